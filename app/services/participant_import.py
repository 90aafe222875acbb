"""Participants from a CSV saved by Excel: read, check row by row, preview, then import.

Nothing is stored in the cohort until the coordinator confirms; the confirmation checks every
row again against the database as it is then (the preview may be hours old)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from app.models import (
    AgeBand,
    Cohort,
    Enrolment,
    Municipality,
    ParticipantImport,
    Role,
    Sex,
    TokenPurpose,
    User,
)
from app.models.base import utcnow
from app.services import accounts, audit, cohorts, learning
from app.services.municipalities import check_digit, normalise_code

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
NAME_MAX = 60
KEEP_UNCONFIRMED = dt.timedelta(days=2)

# Column names people actually type, in Japanese and English; compared after normalising.
COLUMNS = {
    "name": ("氏名", "名前", "お名前", "氏名フルネーム", "参加者名", "name", "displayname", "fullname"),
    "email": ("メールアドレス", "メール", "eメール", "email", "e-mail", "mail", "emailaddress"),
    "municipality_code": ("市区町村コード", "自治体コード", "団体コード", "全国地方公共団体コード", "地方公共団体コード",
                          "municipalitycode", "municipality", "code"),
    "age_band": ("年代", "年齢層", "年齢", "ageband", "age"),
    "sex": ("性別", "sex", "gender"),
}
REQUIRED = ("name", "email", "municipality_code")

AGE_WORDS = {
    "10代以下": AgeBand.UNDER_20, "10代": AgeBand.UNDER_20, "10歳未満": AgeBand.UNDER_20, "10代未満": AgeBand.UNDER_20,
    "20代": AgeBand.AGE_20S, "30代": AgeBand.AGE_30S, "40代": AgeBand.AGE_40S, "50代": AgeBand.AGE_50S,
    "60代": AgeBand.AGE_60S, "70代以上": AgeBand.OVER_70, "70代": AgeBand.OVER_70, "80代": AgeBand.OVER_70,
    "90代": AgeBand.OVER_70, "80代以上": AgeBand.OVER_70, "70歳以上": AgeBand.OVER_70,
}
SEX_WORDS = {
    "女性": Sex.FEMALE, "女": Sex.FEMALE, "f": Sex.FEMALE, "female": Sex.FEMALE,
    "男性": Sex.MALE, "男": Sex.MALE, "m": Sex.MALE, "male": Sex.MALE,
    "その他": Sex.OTHER, "other": Sex.OTHER,
    "回答しない": Sex.NO_ANSWER, "無回答": Sex.NO_ANSWER, "答えない": Sex.NO_ANSWER, "回答なし": Sex.NO_ANSWER,
    "no_answer": Sex.NO_ANSWER,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; `code` names why, `detail` carries specifics."""

    def __init__(self, code: str, detail: object = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


# --- reading the file ---------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's Unicode text) or Shift_JIS/CP932 (Excel's CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # CP932 is Microsoft's Shift_JIS: it also has ①, ㈱ and the NEC/IBM extensions Excel writes.
        return data.decode("cp932")
    except UnicodeDecodeError as error:
        raise ImportFileError("encoding") from error


def _header_key(text: str) -> str | None:
    plain = unicodedata.normalize("NFKC", text or "").strip().lower()
    plain = re.sub(r"[（(].*?[)）]", "", plain)  # 「市区町村コード（6桁）」
    plain = re.sub(r"[\s_・:：]", "", plain)
    for key, names in COLUMNS.items():
        if plain in {n.replace("_", "").replace("-", "") for n in names} or plain in names:
            return key
    return None


def read_rows(data: bytes) -> list[dict]:
    """The cells of every data row with its line number; ImportFileError for a file-level problem."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("too_large", MAX_BYTES // (1024 * 1024))
    text = decode(data).replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] | None = None
    rows: list[dict] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if columns is None:
                columns = {}
                for index, cell in enumerate(cells):
                    key = _header_key(cell)
                    if key and key not in columns:
                        columns[key] = index
                missing = [key for key in REQUIRED if key not in columns]
                if missing:
                    raise ImportFileError("missing_columns", missing)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError("too_many_rows", MAX_ROWS)
            row = {"line": reader.line_num}
            for key in COLUMNS:
                index = columns.get(key)
                row[key] = cells[index].strip() if index is not None and index < len(cells) else ""
            rows.append(row)
    except csv.Error as error:
        raise ImportFileError("unreadable", str(error)) from error
    if columns is None:
        raise ImportFileError("empty")
    if not rows:
        raise ImportFileError("no_rows")
    return rows


# --- checking the rows --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be imported (or, for warnings, what was assumed)."""

    code: str
    value: str = ""
    other_line: int | None = None


@dataclass
class RowCheck:
    line: int
    name: str
    email: str
    municipality_code: str
    municipality_name: str = ""
    age_band: AgeBand | None = None
    sex: Sex | None = None
    existing_user_id: int | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[RowCheck]
    capacity: int | None
    seats_left: int | None

    @property
    def valid(self) -> list[RowCheck]:
        return [r for r in self.rows if r.is_valid]

    @property
    def invalid(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.is_valid]

    @property
    def new_accounts(self) -> int:
        return sum(1 for r in self.valid if r.existing_user_id is None)

    @property
    def existing_accounts(self) -> int:
        return sum(1 for r in self.valid if r.existing_user_id is not None)


def _age(text: str) -> AgeBand | None | Problem:
    plain = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not plain:
        return None
    for band in AgeBand:
        if plain.lower() == band.value:
            return band
    if plain in AGE_WORDS:
        return AGE_WORDS[plain]
    digits = plain.removesuffix("歳").removesuffix("才")
    if digits.isdigit() and 0 < int(digits) < 130:
        years = int(digits)
        return (AgeBand.UNDER_20 if years < 20 else AgeBand.OVER_70 if years >= 70
                else [AgeBand.AGE_20S, AgeBand.AGE_30S, AgeBand.AGE_40S, AgeBand.AGE_50S, AgeBand.AGE_60S][years // 10 - 2])
    return Problem("age_unknown", text)


def _sex(text: str) -> Sex | None | Problem:
    plain = unicodedata.normalize("NFKC", text).strip().lower()
    if not plain:
        return None
    return SEX_WORDS.get(plain, Problem("sex_unknown", text))


def _municipality(code: str, known: dict[str, str]) -> tuple[str, list[Problem], list[Problem]]:
    """(code to use, errors, warnings) for one cell, against the known municipality codes."""
    code = normalise_code(code)
    if not code:
        return code, [Problem("municipality_required")], []
    if code.isdigit() and len(code) == 5:
        if code + str(check_digit(code)) in known:
            return code, [Problem("missing_check_digit", code)], []
        # Excel drops the leading zero of 北海道・東北 codes (011002 -> 11002).
        padded = "0" + code
        if padded in known and check_digit(padded[:5]) == int(padded[5]):
            return padded, [], [Problem("leading_zero", padded)]
        return code, [Problem("missing_check_digit", code)], []
    if not code.isdigit() or len(code) != 6:
        return code, [Problem("format", code)], []
    if check_digit(code[:5]) != int(code[5]):
        return code, [Problem("check_digit", code)], []
    if code not in known:
        return code, [Problem("unknown", code)], []
    return code, [], []


def check(session: Session, cohort: Cohort, raw_rows: list[dict]) -> Preview:
    """Check every row against the file itself and the database (a fixed number of queries)."""
    emails = {accounts.normalise_email(r.get("email", "")) for r in raw_rows} - {""}
    codes = set()
    for r in raw_rows:
        code = normalise_code(r.get("municipality_code", ""))
        codes.update({code, "0" + code, code + (str(check_digit(code)) if len(code) == 5 and code.isdigit() else "")})
    known = dict(session.execute(sa.select(Municipality.code, Municipality.name)
                                 .where(Municipality.code.in_(sorted(codes - {""})))).all()) if codes else {}
    users = {u.email: u for u in session.scalars(sa.select(User).where(User.email.in_(sorted(emails))))} \
        if emails else {}
    enrolled = dict(session.execute(
        sa.select(Enrolment.user_id, Enrolment.cohort_id).where(
            Enrolment.course_id == cohort.course_id, Enrolment.user_id.in_([u.id for u in users.values()]))).all()) \
        if users else {}
    seen: dict[str, int] = {}
    rows = []
    for raw in raw_rows:
        line = int(raw["line"])
        name = (raw.get("name") or "").strip()
        email = accounts.normalise_email(raw.get("email", ""))
        code, errors, warnings = _municipality(raw.get("municipality_code", ""), known)
        row = RowCheck(line, name, email, code, known.get(code, ""))
        if not name:
            row.errors.append(Problem("name_required"))
        elif len(name) > NAME_MAX:
            row.errors.append(Problem("name_too_long", str(NAME_MAX)))
        if not email:
            row.errors.append(Problem("email_required"))
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                row.errors.append(Problem("email_invalid", email))
            if email in seen:
                row.errors.append(Problem("email_duplicate", email, seen[email]))
            else:
                seen[email] = line
        row.errors += errors
        row.warnings += warnings
        for parsed, attr in ((_age(raw.get("age_band", "")), "age_band"), (_sex(raw.get("sex", "")), "sex")):
            if isinstance(parsed, Problem):
                row.errors.append(parsed)
            else:
                setattr(row, attr, parsed)
        user = users.get(email)
        if user is not None:
            row.existing_user_id = user.id
            if user.id in enrolled and enrolled[user.id] == cohort.id:
                row.errors.append(Problem("already_in_cohort", email))
            elif user.id in enrolled and enrolled[user.id] is not None:
                row.errors.append(Problem("other_cohort", email))
            elif user.role is not Role.TRAINEE:
                row.warnings.append(Problem("staff_account", email))
        rows.append(row)
    seats = cohorts.seats_left(session, cohort)
    if seats is not None:
        for row in [r for r in rows if r.is_valid][seats:]:
            row.errors.append(Problem("over_capacity", str(cohort.capacity)))
    return Preview(rows, cohort.capacity, seats)


# --- storing, confirming ------------------------------------------------------------------------------

def store(session: Session, cohort: Cohort, rows: list[dict], *, filename: str, actor: User) -> ParticipantImport:
    """Keep the read cells for the preview; old unconfirmed previews are cleared on the way."""
    session.execute(sa.delete(ParticipantImport).where(
        ParticipantImport.confirmed_at.is_(None), ParticipantImport.created_at < utcnow() - KEEP_UNCONFIRMED)
        .execution_options(synchronize_session=False))
    imp = ParticipantImport(cohort_id=cohort.id, created_by_id=actor.id, filename=(filename or "")[:200], rows=rows)
    session.add(imp)
    session.flush()
    return imp


def import_in(session: Session, cohort: Cohort, import_id: int) -> ParticipantImport | None:
    imp = session.get(ParticipantImport, import_id)
    return imp if imp is not None and imp.cohort_id == cohort.id else None


@dataclass
class ImportResult:
    created: list[tuple[User, str]] = field(default_factory=list)  # new accounts and their password links
    enrolled: list[User] = field(default_factory=list)  # existing accounts added to the cohort
    skipped: int = 0  # rows with errors left out


def confirm(session: Session, imp: ParticipantImport, cohort: Cohort, *, only_valid: bool, actor: User,
            token_lifetime: dt.timedelta) -> ImportResult:
    """Import the checked rows in one transaction: all of them, or with `only_valid` the valid ones.

    Raises ImportFileError('already_confirmed' | 'has_errors' | 'nothing_valid'); the caller rolls
    back, so nothing is half-imported."""
    claimed = session.execute(sa.update(ParticipantImport).where(
        ParticipantImport.id == imp.id, ParticipantImport.confirmed_at.is_(None)).values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ImportFileError("already_confirmed")
    cohort = cohorts.lock_cohort(session, cohort)
    preview = check(session, cohort, imp.rows)
    if preview.invalid and not only_valid:
        raise ImportFileError("has_errors", len(preview.invalid))
    if not preview.valid:
        raise ImportFileError("nothing_valid")
    result = ImportResult(skipped=len(preview.invalid))
    for row in preview.valid:
        if row.existing_user_id is not None:
            user = session.get(User, row.existing_user_id)
            result.enrolled.append(user)
        else:
            user = User(email=row.email, display_name=row.name, role=Role.TRAINEE,
                        municipality_code=row.municipality_code, age_band=row.age_band, sex=row.sex)
            session.add(user)
            session.flush()
            audit.record(session, "user.create_by_import", actor_id=actor.id, target_type="user", target_id=user.id,
                         cohort_id=cohort.id)
            # The same one-time link as a password reset, valid as long as an invitation.
            result.created.append((user, accounts.issue_token(session, user, TokenPurpose.PASSWORD_RESET,
                                                              token_lifetime)))
        enrolment = learning.enrol(session, user, cohort.course, cohort_id=cohort.id)
        if enrolment.cohort_id != cohort.id:  # joined another cohort since the check: refuse all
            raise ImportFileError("has_errors", 1)
    audit.record(session, "cohort.import", actor_id=actor.id, target_type="cohort", target_id=cohort.id,
                 created=len(result.created), enrolled=len(result.enrolled), skipped=result.skipped)
    session.flush()
    return result
