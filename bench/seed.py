"""Seed a national-scale data set on PostgreSQL for the benchmarks (`make bench`).

    python -m bench.seed --scale 1.0 --database-url postgresql://postgres@127.0.0.1:5432/tsunagari_bench

The database is dropped and created fresh; the schema comes from the migrations (`flask db upgrade`),
the reference data from `flask municipalities load` and the courses from `flask content
import-defaults`, exactly as in production. Everything else is generated here and loaded with
PostgreSQL COPY (psycopg 3 `cursor.copy`), in chunks, with every index, constraint and foreign key
of the schema in place: nothing is disabled and restored.

At scale 1.0 (the defaults below): 1,000,000 trainees (5 % of them pupils in school classes),
700,000 completed enrolments with a certificate row each, 20,000 cohorts, ~5,400 organisations
with one coordinator each, progress at every stage (enrolled only, part way, lessons done with a
failed quiz, quiz open, completed online, completed by attendance), quiz attempts, attendance,
anonymous survey answers, serial counters that agree with the serials issued.

Heuristics, because the repository holds no population data:

* Trainees per municipality follow a population proxy by kind of municipality: the 20
  designated cities (政令指定都市) weigh 55, Tokyo's 23 special wards 17, other cities (市) 4.5,
  towns (町) 0.6, villages (村) 0.2, times a log-normal factor (sigma 0.5, fixed seed) so that no
  two towns are alike. With 1,741 municipalities this gives designated cities ~20 % of trainees,
  the special wards ~7 %, other cities ~64 %, towns ~8 %, villages <1 %, close to how Japan's
  population is split between those kinds.
* Age bands lean to the 50s-60s and ~60 % of trainees are women, as in the dementia-supporter
  programme's reports; 3 % leave age and sex unanswered.
* Every account shares ONE password hash, computed once (argon2id through app.passwords, as the app does):
  hashing a million passwords would take hours. Log-ins still verify it the normal way.
  The password is BENCH_PASSWORD below; the data set is for benchmarks only.
* No certificate PDF is rendered; the benchmarks render and store the few they need.
* The audit log gets no rows for seeded events (nothing benchmarked reads it).

The database gets a COMMENT recording scale, seed and seeding time; `--reuse` keeps a database
that was seeded with the same scale and seed (only `flask db upgrade` is run again).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/tsunagari_bench"
BENCH_PASSWORD = "bench-password-2026"
MARKER = "tsunagari-bench"

TRAINEES = 1_000_000
COMPLETED_PER_MILLE = 700  # 700,000 completions at scale 1.0
COHORTS = 20_000
BIG_COHORT = 5_000  # participants of the cohort whose dashboard is benchmarked
PUPIL_SHARE = 0.05
CHUNK = 50_000  # trainees per COPY round

DESIGNATED_CITIES = {  # 政令指定都市 (20)
    "011002", "041009", "111007", "121002", "141003", "141305", "141500", "151009", "221007", "221309",
    "231002", "261009", "271004", "271403", "281000", "331007", "341002", "401005", "401307", "431001",
}
KIND_WEIGHT = {"区": 17.0, "市": 4.5, "町": 0.6, "村": 0.2}
DESIGNATED_WEIGHT = 55.0
BIG_COHORT_MUNICIPALITY = "011002"  # 札幌市

AGE_BANDS = ["under_20", "20s", "30s", "40s", "50s", "60s", "70_plus"]
AGE_WEIGHTS = [4, 8, 10, 16, 22, 22, 18]
SEXES = ["female", "male", "other", "no_answer"]
SEX_WEIGHTS = [60, 36, 1, 3]
SURNAMES = ("佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 "
            "山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤").split()
GIVEN = ("太郎 花子 一郎 美代子 健太 さくら 大輔 陽子 翔 愛 誠 恵子 拓也 由美 直樹 裕子 和也 真由美 悠斗 "
         "結衣 蓮 陽菜 大翔 葵 湊 凛 隆 幸子 勝 和子 博 節子 明美 浩 智子 修").split()
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # as app.services.accounts.pupils
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # as app.services.certificates.codes

# Stage of an enrolment, from (index * 7919) % 1000: exact shares whatever the scale.
ENROLLED_ONLY = 775
PARTIAL = 895
QUIZ_FAILED = 955  # lessons done, a failed attempt; up to 999: lessons done, an attempt open

EPOCH = datetime(2023, 6, 1, tzinfo=UTC)  # the course began in FY2023
SPAN = int((datetime(2026, 11, 15, tzinfo=UTC) - EPOCH).total_seconds())
_DAYS = [(EPOCH + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(SPAN // 86400 + 400)]


def ts(sec: int) -> str:
    """A timestamptz literal, `sec` seconds after EPOCH (fast: no datetime per row)."""
    d, r = divmod(sec, 86400)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return f"{_DAYS[d]} {h:02d}:{m:02d}:{s:02d}+00"


def jst_day(sec: int) -> str:
    return _DAYS[(sec + 9 * 3600) // 86400]


def line(*values) -> str:
    """One COPY text-format line; values are trusted (no tab, newline or backslash)."""
    return "\t".join("\\N" if v is None else v if isinstance(v, str) else str(v) for v in values) + "\n"


def copy_json(value) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert not any(c in text for c in "\\\t\n"), "JSON with characters COPY would need escaped"
    return text


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)


# --- the plan: who lives where, which organisation runs which cohort ------------------------------

@dataclass
class Org:
    id: int
    kind: str
    name: str
    municipality: str | None
    prefecture: str | None
    coordinator_id: int = 0
    serial_prefix: str | None = None
    title: str = "修了証"
    signatory_title: str = ""
    signatory_name: str = ""


@dataclass
class CohortRow:
    id: int
    org: Org
    course_id: int
    mode: str
    starts: int  # seconds after EPOCH
    title: str
    join_code: str
    capacity: int | None


@dataclass
class Reference:
    municipalities: list[tuple[str, str, str]]  # code, prefecture code, name
    prefectures: dict[str, str]
    courses: dict[str, dict]  # audience -> {id, version_id, title, label, lessons, quiz, survey}
    survey_columns: list[str] = field(default_factory=list)
    prefecture_lg_codes: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    scale: float
    rng: random.Random
    ref: Reference
    orgs: list[Org] = field(default_factory=list)
    muni_orgs: dict[str, Org] = field(default_factory=dict)  # the municipality's own office
    cohorts: list[CohortRow] = field(default_factory=list)
    classes: list[tuple[int, Org, str, str]] = field(default_factory=list)  # id, school, name, code
    staff: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, email, name, role
    first_trainee_id: int = 0


def load_reference(conn: psycopg.Connection) -> Reference:
    munis = conn.execute("SELECT code, prefecture_code, name FROM municipality ORDER BY code").fetchall()
    prefs = dict(conn.execute("SELECT code, name FROM prefecture").fetchall())
    courses = {}
    for cid, audience, vid, title, label, quiz, survey, meta in conn.execute(
            "SELECT c.id, c.audience, v.id, v.title, v.label, v.quiz, v.survey, v.meta FROM course c "
            "JOIN content_version v ON v.id = c.live_version_id"):
        lessons = [k for (k,) in conn.execute("SELECT key FROM lesson WHERE version_id = %s ORDER BY position",
                                              (vid,))]
        courses[audience] = {"id": cid, "version_id": vid, "title": title, "label": label, "lessons": lessons,
                             "required": list(meta["completion"]["lessons"]), "quiz": quiz, "survey": survey}
    if set(courses) != {"adult", "children"}:
        raise SystemExit("the default courses are not both published")
    survey_columns = [c for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'survey_response'")]
    lg_codes = dict(conn.execute("SELECT code, lg_code FROM prefecture").fetchall())
    return Reference(munis, prefs, courses, survey_columns, lg_codes)


def _code(rng: random.Random, length: int, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=length))
        if code not in taken:
            taken.add(code)
            return code


def build_plan(scale: float, seed: int, ref: Reference) -> tuple[Plan, dict]:
    """Organisations, staff, classes and cohorts; and the per-trainee arrays."""
    rng = random.Random(seed)
    plan = Plan(scale, rng, ref)
    n = max(int(round(TRAINEES * scale)), 500)
    n_pupils = int(n * PUPIL_SHARE)
    n_adults = n - n_pupils

    weights = []
    for code, _pref, name in ref.municipalities:
        if code in DESIGNATED_CITIES:
            w = DESIGNATED_WEIGHT
        else:
            w = KIND_WEIGHT[name[-1]] * math.exp(rng.gauss(0.0, 0.5))
        weights.append(w)

    # Organisations: one per prefecture, then per municipality its office, its 社会福祉協議会 and
    # NPOs in proportion to its size; schools come with the pupils below.
    def add_org(kind, name, muni=None, pref=None) -> Org:
        org = Org(len(plan.orgs) + 1, kind, name, muni, pref)
        plan.orgs.append(org)
        return org

    pref_orgs = {code: add_org("prefecture", f"{name} 孤独・孤立対策担当", pref=code)
                 for code, name in sorted(ref.prefectures.items())}
    npos: dict[str, list[Org]] = {}
    welfare: dict[str, Org] = {}
    for (code, _pref, name), w in zip(ref.municipalities, weights, strict=True):
        office = add_org("municipality", f"{name} 地域福祉課", muni=code)
        office.serial_prefix = code
        office.title = rng.choice(["修了証", "修了証", "認定証", "受講証"])
        office.signatory_title = "区長" if name.endswith("区") else "市長" if name.endswith("市") else (
            "町長" if name.endswith("町") else "村長")
        office.signatory_name = f"{rng.choice(SURNAMES)}　{rng.choice(GIVEN)}"
        plan.muni_orgs[code] = office
        welfare[code] = add_org("welfare_council", f"{name}社会福祉協議会", muni=code)
        npos[code] = [add_org("npo", f"NPO法人 {name}つながりネット{k + 1}", muni=code) for k in range(int(w // 4))]

    # Pupils: classes of about 30, two classes per school, schools placed by weight.
    n_classes = max(1, round(n_pupils / 30))
    school_munis = rng.choices(range(len(weights)), weights=weights, k=max(1, n_classes // 2))
    class_codes: set[str] = set()
    schools: list[Org] = []
    for k, mi in enumerate(school_munis):
        code, _pref, name = ref.municipalities[mi]
        school = add_org("school", f"{name}立つながり第{k % 9 + 1}{'小' if k % 3 else '中'}学校", muni=code)
        school.serial_prefix = f"{code}{school.id:02d}"[:12]
        school.title = "修了証"
        school.signatory_title, school.signatory_name = "校長", f"{rng.choice(SURNAMES)}　{rng.choice(GIVEN)}"
        schools.append(school)
    for c in range(n_classes):
        school = schools[c % len(schools)]
        plan.classes.append((c + 1, school, f"{5 + c % 2}年{c // len(schools) + 1}組", _code(rng, 6, class_codes)))

    # Certificate settings as `issuing.settings_for` would create them: the area code as serial
    # prefix for the first organisation of an area, the area code plus the organisation id after.
    for org in plan.orgs:
        if org.serial_prefix is None:
            area = org.municipality or ref.prefecture_lg_codes[org.prefecture]
            org.serial_prefix = area if org.kind == "prefecture" else f"{area}{org.id:02d}"[:12]
            org.title = rng.choice(["修了証", "修了証", "認定証", "受講証"])
            org.signatory_title = {"prefecture": "知事", "welfare_council": "会長", "npo": "理事長"}.get(org.kind, "")
            org.signatory_name = f"{rng.choice(SURNAMES)}　{rng.choice(GIVEN)}"

    # Staff: an administrator, then one coordinator per organisation.
    plan.staff.append((1, "bench-admin@bench.example", "ベンチ 管理者", "admin"))
    for org in plan.orgs:
        org.coordinator_id = len(plan.staff) + 1
        plan.staff.append((org.coordinator_id, f"coord{org.id}@bench.example", f"{rng.choice(SURNAMES)} 担当",
                           "coordinator"))
    plan.first_trainee_id = len(plan.staff) + 1

    # Cohorts: the big one in 札幌市, one per school class, one per prefecture, the rest spread by weight.
    join_codes: set[str] = set()
    adult = ref.courses["adult"]["id"]
    children = ref.courses["children"]["id"]

    def add_cohort(org, course_id, mode, title, capacity=None) -> CohortRow:
        cohort = CohortRow(len(plan.cohorts) + 1, org, course_id, mode, rng.randrange(SPAN), title,
                           _code(rng, 8, join_codes), capacity)
        plan.cohorts.append(cohort)
        return cohort

    n_cohorts = max(int(round(COHORTS * scale)), 60)
    big_size = min(BIG_COHORT, max(50, int(BIG_COHORT * scale * 4)))
    big = add_cohort(plan.muni_orgs[BIG_COHORT_MUNICIPALITY], adult, "on_demand",
                     "札幌市 つながりサポーター養成講座（オンデマンド・通年）")
    class_cohort = {}
    for class_id, school, class_name, _class_code in plan.classes:
        class_cohort[class_id] = add_cohort(school, children, "in_person", f"{class_name} つながりの学習", 40).id
    pref_cohorts: dict[str, list[int]] = {}
    if n_cohorts >= 1000:
        for code, org in pref_orgs.items():
            pref_cohorts[code] = [add_cohort(org, adult, "live_online", f"{ref.prefectures[code]} オンライン講座").id]
    muni_cohorts: dict[str, list[tuple[int, float]]] = {code: [] for code, _p, _n in ref.municipalities}
    remaining = max(n_cohorts - len(plan.cohorts), 0)
    modes = ["in_person", "live_online", "on_demand"]
    for mi in rng.choices(range(len(weights)), weights=weights, k=remaining):
        code, _pref, name = ref.municipalities[mi]
        roll = rng.random()
        org = plan.muni_orgs[code] if roll < 0.55 else welfare[code] if roll < 0.85 or not npos[code] else (
            rng.choice(npos[code]))
        mode = rng.choices(modes, weights=[50, 20, 30])[0]
        title = {"in_person": f"{name} 養成講座（対面）", "live_online": f"{name} 養成講座（オンライン）",
                 "on_demand": f"{name} 養成講座（オンデマンド）"}[mode]
        cohort = add_cohort(org, adult, mode, title, rng.choice([30, 40, 60, 100]) if mode != "on_demand" else None)
        muni_cohorts[code].append((cohort.id, {"in_person": 1.0, "live_online": 1.5, "on_demand": 4.0}[mode]))

    # Per-trainee arrays.
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    muni_of = rng.choices(range(len(weights)), cum_weights=cum, k=n_adults)
    codes = [m[0] for m in ref.municipalities]
    sapporo = codes.index(BIG_COHORT_MUNICIPALITY)
    cohort_of = [0] * n
    in_big = 0
    for i in range(n_adults):
        code = codes[muni_of[i]]
        if muni_of[i] == sapporo and in_big < big_size and rng.random() < 0.7:
            cohort_of[i] = big.id
            in_big += 1
            continue
        if rng.random() < 0.15:
            continue  # enrolled on their own, outside any cohort
        options = muni_cohorts[code]
        pref = pref_cohorts.get(code[:2], [])
        if options and (not pref or rng.random() < 0.9):
            ids, ws = zip(*options, strict=True) if len(options) > 1 else ((options[0][0],), (1.0,))
            cohort_of[i] = rng.choices(ids, weights=ws)[0] if len(ids) > 1 else ids[0]
        elif pref:
            cohort_of[i] = pref[0]
    # Pupils: municipality of their school, cohort of their class.
    pupil_class = []
    for p in range(n_pupils):
        class_id, school, _name, _code_ = plan.classes[p % len(plan.classes)]
        pupil_class.append((class_id, p // len(plan.classes) + 1))
        muni_of.append(codes.index(school.municipality))
        cohort_of[n_adults + p] = class_cohort[class_id]
    arrays = {"n": n, "n_adults": n_adults, "muni_of": muni_of, "cohort_of": cohort_of, "pupil_class": pupil_class,
              "codes": codes, "big_cohort": big.id, "big_size": in_big}
    return plan, arrays


# --- the rows ----------------------------------------------------------------------------------

def static_rows(plan: Plan, password_hash: str) -> list[tuple[str, list[str], list[str]]]:
    """Organisations, staff, memberships, classes, cohorts, certificate settings."""
    now = ts(SPAN)
    orgs = [line(o.id, o.kind, o.name, o.municipality, o.prefecture, ts(0)) for o in plan.orgs]
    staff = [line(uid, email, name, password_hash, role, None, None, None, None, "t", 1, ts(0), None, "normal", "t",
                  None, None) for uid, email, name, role in plan.staff]
    members = [line(o.coordinator_id, o.id, ts(0)) for o in plan.orgs]
    classes = [line(cid, school.id, name, code, school.coordinator_id, ts(0)) for cid, school, name, code in plan.classes]
    cohorts = []
    for c in plan.cohorts:
        venue = f"{c.org.name} 研修室" if c.mode == "in_person" else None
        url = "https://meet.example.jp/" + c.join_code.lower() if c.mode == "live_online" else None
        cohorts.append(line(c.id, c.org.id, c.course_id, c.title, c.mode, ts(c.starts), ts(c.starts + 5400), venue,
                            url, c.capacity, "講師 " + c.org.name[:20] if c.mode != "on_demand" else None,
                            ts(max(c.starts - 86400, 0)), c.join_code, c.org.coordinator_id, ts(max(c.starts - 30 * 86400, 0)),
                            None))
    settings = [line(o.id, o.title, o.name, o.signatory_title, o.signatory_name, None, None, None, o.serial_prefix, now)
                for o in plan.orgs if o.serial_prefix]
    return [
        ("organisation", ["id", "kind", "name", "municipality_code", "prefecture_code", "created_at"], orgs),
        ("user", USER_COLUMNS, staff),
        ("membership", ["user_id", "organisation_id", "created_at"], members),
        ("school_class", ["id", "organisation_id", "name", "code", "created_by_id", "created_at"], classes),
        ("cohort", ["id", "organisation_id", "course_id", "title", "mode", "starts_at", "ends_at", "venue", "meeting_url",
                    "capacity", "instructor_name", "registration_deadline", "join_code", "created_by_id", "created_at",
                    "reminder_sent_at"], cohorts),
        ("certificate_settings", ["organisation_id", "title", "organiser_name", "signatory_title", "signatory_name",
                                  "logo", "logo_mime", "valid_years", "serial_prefix", "updated_at"], settings),
    ]


USER_COLUMNS = ["id", "email", "display_name", "password_hash", "role", "municipality_code", "age_band", "sex",
                "locale", "is_active_account", "session_version", "created_at", "last_login_at", "text_size",
                "is_furigana_on", "school_class_id", "pupil_number"]
ENROLMENT_COLUMNS = ["id", "user_id", "course_id", "started_version_id", "cohort_id", "lessons_done",
                     "lessons_required", "best_score", "latest_score", "quiz_passed_at", "completed_at",
                     "completed_version_id", "completed_via", "last_lesson_key", "survey_done_at", "created_at",
                     "updated_at"]
ATTEMPT_COLUMNS = ["id", "enrolment_id", "version_id", "number", "token", "order", "answers", "score", "is_passed",
                   "started_at", "submitted_at"]
CERTIFICATE_COLUMNS = ["id", "current_for_enrolment_id", "enrolment_id", "user_id", "organisation_id", "serial",
                       "code", "template", "holder_name", "course_title", "course_version", "audience",
                       "completed_on", "organiser_name", "municipality_name", "title", "signatory_title",
                       "signatory_name", "expires_on", "issued_at", "pdf_sha256", "revoked_at", "revoked_reason",
                       "revoked_by_id", "superseded_at", "superseded_by_id"]
SURVEY_COLUMNS = ["id", "course_id", "version_id", "audience", "answers", "submitted_at"]


class TraineeRows:
    """Generates the rows of every per-trainee table, chunk by chunk, with running counters."""

    def __init__(self, plan: Plan, arrays: dict, password_hash: str, seed: int) -> None:
        self.plan, self.a, self.hash = plan, arrays, password_hash
        self.rng = random.Random(seed + 1)
        self.attempt_id = 0
        self.certificate_id = 0
        self.survey_id = 0
        self.serials: dict[tuple[str, int], int] = {}
        self.codes: set[str] = set()
        self.cohorts = {c.id: c for c in plan.cohorts}
        self.munis = {code: (pref, name) for code, pref, name in plan.ref.municipalities}
        self.counts = {"completed": 0, "attendance": 0}
        self.survey_has_cohort = "cohort_id" in plan.ref.survey_columns
        self.courses = {}
        for audience, course in plan.ref.courses.items():
            quiz = course["quiz"]
            order = [{"id": q["id"], "choices": [c["id"] for c in q["choices"]]} for q in quiz["questions"]]
            right = {q["id"]: q["answer"] for q in quiz["questions"]}
            wrong = dict(right)
            for q in quiz["questions"][:2]:  # two wrong answers: below the pass mark
                wrong[q["id"]] = [next(c["id"] for c in q["choices"] if c["id"] not in q["answer"])]
            pass_mark = int(quiz.get("pass_mark") or 80)
            total = len(quiz["questions"])
            self.courses[audience] = dict(course, order=copy_json(order), right=copy_json(right),
                                          wrong=copy_json(wrong), wrong_score=(total - 2) * 100 // total,
                                          pass_mark=pass_mark)

    def _certificate_code(self) -> str:
        while True:
            bits = self.rng.getrandbits(80)
            code = "".join(CROCKFORD[(bits >> (5 * k)) & 31] for k in range(16))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def chunk(self, start: int, stop: int) -> dict[str, list[str]]:
        a, rng, plan = self.a, self.rng, self.plan
        out = {t: [] for t in ("user", "enrolment", "lesson_progress", "quiz_attempt", "attendance", "certificate",
                               "survey_response")}
        n, n_adults = a["n"], a["n_adults"]
        for i in range(start, stop):
            uid = plan.first_trainee_id + i
            eid = i + 1
            pupil = i >= n_adults
            code = a["codes"][a["muni_of"][i]]
            created = int(SPAN * math.sqrt((i + rng.random()) / n) * 0.97)
            name = f"{SURNAMES[rng.randrange(len(SURNAMES))]} {GIVEN[rng.randrange(len(GIVEN))]}"
            if pupil:
                class_id, number = a["pupil_class"][i - n_adults]
                age, sex = "under_20", ("female", "male")[rng.randrange(2)]
                out["user"].append(line(uid, None, name, self.hash, "trainee", code, age, sex, None, "t", 1, ts(created),
                                        None, "large", "t", class_id, number))
            else:
                age = sex = None
                if rng.random() > 0.03:
                    age = rng.choices(AGE_BANDS, weights=AGE_WEIGHTS)[0]
                    sex = rng.choices(SEXES, weights=SEX_WEIGHTS)[0]
                out["user"].append(line(uid, f"t{uid}@bench.example", name, self.hash, "trainee", code, age, sex, None,
                                        "t", 1, ts(created), ts(created + 3600), "normal", "t", None, None))
            course = self.courses["children" if pupil else "adult"]
            lessons, required = course["lessons"], len(course["required"])
            cohort_id = a["cohort_of"][i] or None
            cohort = self.cohorts.get(cohort_id)
            stage = (i * 7919 + 13) % 1000
            enrolled = created + 600
            t = enrolled
            best = latest = passed_at = completed_at = via = last_key = survey_at = None
            n_done = 0
            if stage < COMPLETED_PER_MILLE and cohort is not None and cohort.mode != "on_demand" and rng.random() < 0.7:
                # Completed by attending an in-person or live session.
                completed_at = max(cohort.starts + 5400, enrolled + 3600)
                via = "attendance"
                out["attendance"].append(line(cohort.id, eid, ts(completed_at), cohort.org.coordinator_id))
                self.counts["attendance"] += 1
            elif stage < PARTIAL:
                n_done = len(lessons) if stage < COMPLETED_PER_MILLE else (
                    0 if stage < ENROLLED_ONLY else rng.randrange(1, len(lessons)))
            else:
                n_done = len(lessons)
            for key in lessons[:n_done]:
                t += rng.randrange(600, 3 * 86400)
                out["lesson_progress"].append(line(eid, key, ts(t)))
                last_key = key
            if n_done == len(lessons) or stage >= QUIZ_FAILED:
                attempts = []
                if stage < COMPLETED_PER_MILLE:
                    attempts = ["wrong", "right"] if rng.random() < 0.2 else ["right"]
                elif stage < QUIZ_FAILED:
                    attempts = ["wrong"] * rng.randint(1, 2)
                else:
                    attempts = ["wrong"] * rng.randint(0, 1) + ["open"]
                if via is None:
                    for number, kind in enumerate(attempts, start=1):
                        self.attempt_id += 1
                        started = t + rng.randrange(60, 86400)
                        t = started + rng.randrange(120, 900)
                        if kind == "open":
                            out["quiz_attempt"].append(line(self.attempt_id, eid, course["version_id"], number,
                                                            f"{rng.getrandbits(128):032x}", course["order"], None,
                                                            None, None, ts(started), None))
                            continue
                        score = 100 if kind == "right" else course["wrong_score"]
                        out["quiz_attempt"].append(line(self.attempt_id, eid, course["version_id"], number,
                                                        f"{rng.getrandbits(128):032x}", course["order"],
                                                        course[kind], score, "t" if kind == "right" else "f",
                                                        ts(started), ts(t)))
                        best = max(best or 0, score)
                        latest = score
                        if kind == "right":
                            passed_at = t
                    if stage < COMPLETED_PER_MILLE:
                        completed_at, via = passed_at, "online"
            if completed_at is not None:
                self.counts["completed"] += 1
                if rng.random() < 0.4:
                    survey_at = completed_at + rng.randrange(30, 600)
                    self.survey_id += 1
                    answers = {}
                    for q in course["survey"]["questions"]:
                        if q["kind"] == "scale":
                            answers[q["id"]] = rng.choices(range(1, len(q["labels_html"]) + 1),
                                                           weights=[1, 2, 4, 8, 6][:len(q["labels_html"])])[0]
                        elif q["kind"] != "text":
                            answers[q["id"]] = rng.randrange(1, len(q["choices"]) + 1)
                    day = _DAYS[survey_at // 86400]
                    values = [self.survey_id, course["id"], course["version_id"], "children" if pupil else "adult",
                              copy_json(answers), f"{day} 00:00:00+00"]
                    if self.survey_has_cohort:
                        values.append(cohort_id)
                    out["survey_response"].append(line(*values))
                out["certificate"].append(self._certificate(eid, uid, name, code, pupil, cohort, course,
                                                            completed_at))
            updated = completed_at or t
            out["enrolment"].append(line(
                eid, uid, course["id"], course["version_id"], cohort_id, n_done, required, best, latest,
                ts(passed_at) if passed_at is not None else None, ts(completed_at) if completed_at is not None else None,
                course["version_id"] if completed_at is not None else None, via, last_key,
                ts(survey_at) if survey_at is not None else None, ts(enrolled), ts(updated)))
        return out

    def _certificate(self, eid, uid, name, code, pupil, cohort, course, completed_at) -> str:
        # As `issuing.issuer_for`: the cohort's organisation, else the trainee's municipality.
        issuer = cohort.org if cohort is not None else self.plan.muni_orgs[code]
        day = jst_day(completed_at)
        year = int(day[:4])
        seq = self.serials.get((issuer.serial_prefix, year), 0) + 1
        self.serials[(issuer.serial_prefix, year)] = seq
        self.certificate_id += 1
        pref, muni = self.munis[code]
        return line(self.certificate_id, eid, eid, uid, issuer.id, f"{issuer.serial_prefix}-{year}-{seq:06d}",
                    self._certificate_code(), "children" if pupil else "adult", name, course["title"], course["label"],
                    "children" if pupil else "adult", day, issuer.name, self.plan.ref.prefectures[pref] + muni,
                    issuer.title, issuer.signatory_title, issuer.signatory_name, None, ts(completed_at), None, None,
                    None, None, None, None)


TABLE_COLUMNS = {
    "user": USER_COLUMNS,
    "enrolment": ENROLMENT_COLUMNS,
    "lesson_progress": ["enrolment_id", "lesson_key", "completed_at"],
    "quiz_attempt": ATTEMPT_COLUMNS,
    "attendance": ["cohort_id", "enrolment_id", "recorded_at", "recorded_by_id"],
    "certificate": CERTIFICATE_COLUMNS,
    "survey_response": SURVEY_COLUMNS,
}


def copy_lines(cur: psycopg.Cursor, table: str, columns: list[str], lines: list[str]) -> None:
    if not lines:
        return
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table),
                                                    sql.SQL(", ").join(map(sql.Identifier, columns)))
    with cur.copy(stmt) as copy:
        for k in range(0, len(lines), 5000):
            copy.write("".join(lines[k:k + 5000]))


# --- database set-up -----------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                     "pg_backend_pid()", (name,))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def flask(url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi.py")
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


BACKFILL = """
import json
from app import create_app
from app.extensions import db
try:
    from app.services.statistics import statistics
except ImportError:
    statistics = None
app = create_app()
with app.app_context():
    added = statistics.backfill(db.session) if statistics and hasattr(statistics, "backfill") else None
    db.session.commit()
print(json.dumps(added))
"""


def backfill_statistics(url: str) -> int | None:
    """The anonymous statistics rows of every completion, as the app's backfill writes them for data
    loaded without its completion hook (None while the app has no such table)."""
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi.py")
    done = subprocess.run([sys.executable, "-c", BACKFILL], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"statistics backfill failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def marker(url: str) -> str | None:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                "WHERE datname = current_database()").fetchone()[0]
    except psycopg.OperationalError:
        return None


def reusable(url: str, scale: float, seed: int) -> bool:
    text = marker(url) or ""
    return text.startswith(f"{MARKER} scale={scale:g} seed={seed} ")


def seed(url: str, scale: float, seed_value: int, log=print) -> float:
    from app.passwords import hash_password

    started = time.perf_counter()
    recreate_database(url)
    flask(url, "db", "upgrade")
    flask(url, "municipalities", "load")
    flask(url, "content", "import-defaults")
    log(f"schema, municipalities and courses: {time.perf_counter() - started:.1f} s")
    password_hash = hash_password(BENCH_PASSWORD)  # once, for every account (see the docstring)
    with psycopg.connect(url) as conn:
        ref = load_reference(conn)
        plan, arrays = build_plan(scale, seed_value, ref)
        log(f"plan: {arrays['n']:,} trainees, {len(plan.orgs):,} organisations, {len(plan.cohorts):,} cohorts, "
            f"big cohort {arrays['big_size']:,}: {time.perf_counter() - started:.1f} s")
        with conn.cursor() as cur:
            for table, columns, lines in static_rows(plan, password_hash):
                copy_lines(cur, table, columns, lines)
        conn.commit()
        rows = TraineeRows(plan, arrays, password_hash, seed_value)
        if rows.survey_has_cohort:  # the survey's cohort, where the schema has it
            TABLE_COLUMNS["survey_response"] = SURVEY_COLUMNS + ["cohort_id"]
        counts = load_trainees(conn, rows, arrays["n"], log, started)
        with conn.cursor() as cur:
            counters = [line(prefix, year, last) for (prefix, year), last in sorted(rows.serials.items())]
            copy_lines(cur, "serial_counter", ["prefix", "year", "last"], counters)
            for table in ("organisation", "user", "school_class", "cohort", "enrolment", "quiz_attempt",
                          "certificate", "survey_response"):
                cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), "
                                    "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)")
                            .format(sql.Literal(f'"{table}"'), sql.Identifier(table)))
        conn.commit()
    added = backfill_statistics(url)
    log(f"statistics records: {added}: {time.perf_counter() - started:.1f} s")
    from bench.evaluation import seed_pairs  # self-assessment pairs over those records (evaluation)

    with psycopg.connect(url, autocommit=True) as conn:
        log(f"evaluation pairs: {seed_pairs(conn)}: {time.perf_counter() - started:.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    elapsed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        text = (f"{MARKER} scale={scale:g} seed={seed_value} seconds={elapsed:.0f} trainees={arrays['n']} "
                f"completed={rows.counts['completed']} cohorts={len(plan.cohorts)} big_cohort={arrays['big_cohort']}")
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(conn.info.dbname), sql.Literal(text)))
    log(f"rows: {counts}")
    log(f"seeded in {elapsed:.1f} s ({rows.counts['completed']:,} completions, "
        f"{rows.counts['attendance']:,} by attendance)")
    return elapsed


def load_trainees(conn: psycopg.Connection, rows: TraineeRows, n: int, log, started: float) -> dict[str, int]:
    """Generate chunk k+1 in a thread while chunk k is copied (PostgreSQL works on the other core)."""
    chunks: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for start in range(0, n, CHUNK):
                chunks.put(rows.chunk(start, min(start + CHUNK, n)))
        except BaseException as error:  # handed to the main thread
            failure.append(error)
        finally:
            chunks.put(None)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    counts = dict.fromkeys(TABLE_COLUMNS, 0)
    done = 0
    with conn.cursor() as cur:
        while (chunk := chunks.get()) is not None:
            for table, columns in TABLE_COLUMNS.items():
                copy_lines(cur, table, columns, chunk[table])
                counts[table] += len(chunk[table])
            conn.commit()
            done += len(chunk["user"])
            if done % (CHUNK * 4) == 0 or done == n:
                log(f"  {done:,} trainees: {time.perf_counter() - started:.1f} s")
    producer.join()
    if failure:
        raise failure[0]
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 trainees (default)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database if it was seeded with the same scale and seed")
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    if args.reuse and reusable(url, args.scale, args.seed):
        flask(url, "db", "upgrade")
        backfill_statistics(url)
        print(f"reusing {url.rsplit('/', 1)[-1]}: {marker(url)}")
        return 0
    seed(url, args.scale, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
