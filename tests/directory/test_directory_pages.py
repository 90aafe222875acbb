"""つなぐ先 pages: coordinators' scope (keepers, platform members, everyone else), the lessons of
both courses, the card PDF, the public page and the open-data CSV."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import DirectoryEntry, EntryStatus, MemberState, OrganisationKind
from app.services.accounts import pupils
from app.services.directory import entries
from app.services.learning import enrolling
from tests.conftest import csrf_token, login, post_form
from tests.directory.helpers import IKOMA, ZAMA, make_entry, make_platform
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle

ARTIFACTS = Path("/tmp/artifacts/directory")
ADULT_LESSON = "/courses/tsunagari-adult/lessons/tsunagu"
CHILDREN_LESSON = "/courses/tsunagari-children/lessons/soudan"


def client_of(app, email: str):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


@pytest.fixture()
def towns(app):
    ikoma = make_organisation(municipality=IKOMA, name="生駒市")
    zama = make_organisation(municipality=ZAMA, name="座間市")
    npo = make_organisation(municipality=IKOMA, kind=OrganisationKind.NPO, name="NPO法人 例")
    invited = make_organisation(municipality=IKOMA, kind=OrganisationKind.NPO, name="招待中の団体")
    left = make_organisation(municipality=IKOMA, kind=OrganisationKind.NPO, name="脱退した団体")
    make_platform(ikoma, npo)
    make_platform(ikoma, invited, state=MemberState.INVITED)
    make_platform(ikoma, left, state=MemberState.LEFT)
    for org, email in ((ikoma, "ikoma@example.jp"), (zama, "zama@example.jp"), (npo, "npo@example.jp"),
                       (invited, "invited@example.jp"), (left, "left@example.jp")):
        make_coordinator(org, email=email)
    entry = make_entry(name="【例】いこま こころの相談室", phone="0743-00-0000")
    zama_entry = make_entry(ZAMA, name="【例】ざま 暮らしの相談", address="【例】座間市役所")
    db.session.commit()
    return {"ikoma": ikoma, "zama": zama, "npo": npo, "invited": invited, "left": left, "entry": entry,
            "zama_entry": zama_entry}


def test_the_keeper_adds_edits_checks_and_retires(app, towns):
    client = client_of(app, "ikoma@example.jp")
    base = f"/coordinate/organisations/{towns['ikoma'].id}/directory/{IKOMA}"
    assert client.get(f"/coordinate/organisations/{towns['ikoma'].id}/directory").status_code == 302
    response = post_form(client, f"{base}/new", {
        "name": "【例】いこま 子ども相談", "helps_with": "【例】子どもと家族の相談", "audiences": ["children", "families"],
        "children_wording": "こまったことを話せます。", "phone": "０７４３－００－１２３４", "hours": "平日",
        "is_remote_only": "y", "checked_on": entries.today_jst().isoformat()}, token_from=f"{base}/new")
    assert response.status_code == 302
    added = db.session.query(DirectoryEntry).filter_by(name="【例】いこま 子ども相談").one()
    assert added.phone == "0743-00-1234" and added.status is EntryStatus.PUBLISHED and added.address is None
    refused = post_form(client, f"{base}/new", {"name": "相談室\u202e", "helps_with": "x", "audiences": ["anyone"],
                                                "phone": "110", "address": "どこか", "url": "javascript:alert(1)",
                                                "checked_on": entries.today_jst().isoformat()},
                        token_from=f"{base}/new")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "文字の向きを変える記号" in page and "市外局番から" in page
    assert "https:// で始まる" in page
    assert post_form(client, f"{base}/{added.id}/retire", {}, token_from=base).status_code == 302
    db.session.refresh(added)
    assert added.status is EntryStatus.RETIRED


def test_stale_entries_are_flagged_to_keepers_and_dated_for_trainees(app, towns):
    old = make_entry(name="【例】古い相談先", days_old=400)
    db.session.commit()
    client = client_of(app, "ikoma@example.jp")
    base = f"/coordinate/organisations/{towns['ikoma'].id}/directory/{IKOMA}"
    page = client.get(base).get_data(as_text=True)
    assert "もう一度確かめてください（1件）" in page and "【例】古い相談先" in page
    org_page = client.get(f"/coordinate/organisations/{towns['ikoma'].id}").get_data(as_text=True)
    assert "もう一度確かめてほしい相談先が1件あります" in org_page
    public = app.test_client().get(f"/directory/{IKOMA}").get_data(as_text=True)
    assert "1年以上前の情報です" in public
    assert post_form(client, f"{base}/{old.id}/checked", {}, token_from=base).status_code == 302
    assert "もう一度確かめてください" not in client.get(base).get_data(as_text=True)
    assert "もう一度確かめてほしい" not in client.get(f"/coordinate/organisations/{towns['ikoma'].id}").get_data(
        as_text=True)


def test_members_propose_and_the_keeper_approves(app, towns):
    npo = client_of(app, "npo@example.jp")
    base = f"/coordinate/organisations/{towns['npo'].id}/directory/{IKOMA}"
    assert npo.get(base).status_code == 200
    response = post_form(npo, f"{base}/new", {"name": "【例】NPOの居場所", "helps_with": "【例】話せる居場所",
                                             "audiences": ["young"], "address": "【例】駅前",
                                             "checked_on": entries.today_jst().isoformat()}, token_from=f"{base}/new")
    assert response.status_code == 302
    proposal = db.session.query(DirectoryEntry).filter_by(name="【例】NPOの居場所").one()
    assert proposal.status is EntryStatus.PROPOSED and proposal.proposed_by_org_id == towns["npo"].id
    # A member never edits or approves, not even its own proposal.
    for action in ("approve", "retire", "checked"):
        assert npo.post(f"{base}/{proposal.id}/{action}", data={"csrf_token": csrf_token(npo, base)}).status_code == 404
    assert npo.get(f"{base}/{proposal.id}/edit").status_code == 404
    assert "【例】NPOの居場所" not in app.test_client().get(f"/directory/{IKOMA}").get_data(as_text=True)
    keeper = client_of(app, "ikoma@example.jp")
    keeper_base = f"/coordinate/organisations/{towns['ikoma'].id}/directory/{IKOMA}"
    assert "承認を待っている提案（1件）" in keeper.get(keeper_base).get_data(as_text=True)
    assert post_form(keeper, f"{keeper_base}/{proposal.id}/approve", {}, token_from=keeper_base).status_code == 302
    assert "【例】NPOの居場所" in app.test_client().get(f"/directory/{IKOMA}").get_data(as_text=True)


def test_everyone_else_gets_404(app, towns):
    ikoma, zama, entry = towns["ikoma"], towns["zama"], towns["entry"]
    zama_client = client_of(app, "zama@example.jp")
    # Another town's keeper: not through its own organisation, not through ours.
    for url in (f"/coordinate/organisations/{zama.id}/directory/{IKOMA}",
                f"/coordinate/organisations/{zama.id}/directory/{IKOMA}/new",
                f"/coordinate/organisations/{zama.id}/directory/{IKOMA}/{entry.id}/edit",
                f"/coordinate/organisations/{zama.id}/directory/{IKOMA}/cards.pdf",
                f"/coordinate/organisations/{ikoma.id}/directory/{IKOMA}",
                f"/coordinate/organisations/{zama.id}/directory/{ZAMA}/{entry.id}/edit"):
        assert zama_client.get(url).status_code == 404, url
    response = zama_client.post(f"/coordinate/organisations/{zama.id}/directory/{ZAMA}/{entry.id}/retire",
                                data={"csrf_token": csrf_token(zama_client, "/coordinate/")})
    assert response.status_code == 404
    assert db.session.get(DirectoryEntry, entry.id).status is EntryStatus.PUBLISHED
    # Invited (not accepted) and former members of the platform: no part in the directory.
    for side in ("invited", "left"):
        client = client_of(app, f"{side}@example.jp")
        org_id = towns[side].id
        assert client.get(f"/coordinate/organisations/{org_id}/directory/{IKOMA}").status_code == 404
        assert client.get(f"/coordinate/organisations/{org_id}/directory/{IKOMA}/new").status_code == 404
    # A keeper of 生駒市 never reaches 座間市's entries through its own directory.
    ikoma_client = client_of(app, "ikoma@example.jp")
    assert ikoma_client.get(
        f"/coordinate/organisations/{ikoma.id}/directory/{IKOMA}/{towns['zama_entry'].id}/edit").status_code == 404
    assert ikoma_client.get(f"/coordinate/organisations/{ikoma.id}/directory/{ZAMA}").status_code == 404


@pytest.fixture()
def adult_course(app):
    return publish_bundle(DEFAULT_BUNDLES / "tsunagari-adult")


def _lesson_page(app, email: str, version, url: str = ADULT_LESSON) -> str:
    user = db.session.query(type(version.course)).get(version.course_id)
    assert user is not None
    client = client_of(app, email)
    return client.get(url).get_data(as_text=True), client


def test_the_adult_lesson_shows_the_trainees_town_only(app, towns, adult_course):
    for email, code in (("ikoma-trainee@example.jp", IKOMA), ("zama-trainee@example.jp", ZAMA),
                        ("nara-trainee@example.jp", "292010")):
        enrolling.enrol(db.session, make_trainee(email=email, municipality=code), adult_course.course)
    db.session.commit()
    ikoma = client_of(app, "ikoma-trainee@example.jp").get(ADULT_LESSON).get_data(as_text=True)
    assert "【例】いこま こころの相談室" in ikoma and "0743-00-0000" in ikoma and "【例】ざま" not in ikoma
    assert "/my/support-card.pdf" in ikoma
    zama = client_of(app, "zama-trainee@example.jp").get(ADULT_LESSON).get_data(as_text=True)
    assert "【例】ざま 暮らしの相談" in zama and "【例】いこま" not in zama
    # A town without a directory yet: said kindly, with the town's site and the national lines.
    nara = client_of(app, "nara-trainee@example.jp").get(ADULT_LESSON).get_data(as_text=True)
    box = nara[nara.index('class="local-support-box"'):]
    box = box[:box.index("</aside>")]
    assert "まだここにまとめられていません" in box and "公式ホームページ" in box
    assert "0120-279-338" in box and "【例】" not in box


def test_an_edit_shows_on_the_next_load_of_the_lesson(app, towns, adult_course):
    enrolling.enrol(db.session, make_trainee(email="t@example.jp", municipality=IKOMA), adult_course.course)
    db.session.commit()
    client = client_of(app, "t@example.jp")
    client.get(ADULT_LESSON)
    assert "【例】いこま こころの相談室" in client.get(ADULT_LESSON).get_data(as_text=True)
    towns["entry"].name = "【例】名前を変えた相談室"
    db.session.commit()
    assert "【例】名前を変えた相談室" in client.get(ADULT_LESSON).get_data(as_text=True)


def test_the_childrens_lesson_shows_entries_for_children_in_their_words_with_furigana(app, towns):
    children = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    make_entry(name="【例】こども相談窓口", audiences=("children",), children_wording="悩みや、家族のことを話せます。")
    school = make_organisation(municipality=IKOMA, kind=OrganisationKind.SCHOOL, name="生駒市立 例小学校")
    teacher = make_coordinator(school, email="teacher@example.jp")
    school_class = pupils.create_class(db.session, school, name="6年1組", count=1,
                                       name_for=lambda n: f"6年1組 {n}番", actor=teacher)
    pupil = pupils.pupils_of(db.session, school_class)[0]
    pupil.password_hash = generate_password_hash("pupil-pass-1", method=pupils.PUPIL_HASH_METHOD)
    enrolling.enrol(db.session, pupil, children.course)
    db.session.commit()
    client = app.test_client()
    post_form(client, "/pupil-login", {"class_code": school_class.code, "number": "1", "password": "pupil-pass-1"})
    page = client.get(CHILDREN_LESSON).get_data(as_text=True)
    box = page[page.index('class="local-support-box"'):]
    box = box[:box.index("</aside>")]
    assert "こども" in box and "【例】いこま こころの相談室" not in box  # adults' entry left out
    assert "<ruby>悩<rp>(</rp><rt>なや</rt><rp>)</rp></ruby>み" in box  # the children's words, with the lessons' furigana
    assert "暮らしや気持ち" not in box  # never the adults' wording


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "card.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(data: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_the_card_has_the_towns_places_and_the_national_lines(app, towns, adult_course, tmp_path):
    make_trainee(email="t@example.jp", municipality=IKOMA)
    make_trainee(email="z@example.jp", municipality=ZAMA)
    db.session.commit()
    response = client_of(app, "t@example.jp").get("/my/support-card.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert _pages(response.data, tmp_path) == 2
    text = _pdf_text(response.data, tmp_path)
    assert "0743-00-0000" in text and "0120-279-338" in text and "119" in text and "ざま" not in text
    assert "いこま" in text
    other = _pdf_text(client_of(app, "z@example.jp").get("/my/support-card.pdf").data, tmp_path)
    assert "いこま" not in other and "ざま" in other
    sheet = client_of(app, "ikoma@example.jp").get(
        f"/coordinate/organisations/{towns['ikoma'].id}/directory/{IKOMA}/cards.pdf")
    assert sheet.status_code == 200 and _pages(sheet.data, tmp_path) == 2
    assert _pdf_text(sheet.data, tmp_path).count("0743-00-0000") == 10
    if ARTIFACTS.parent.exists():  # to look at: pdftoppm -png of both
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "card.pdf").write_bytes(response.data)
        (ARTIFACTS / "sheet.pdf").write_bytes(sheet.data)


def test_public_page_and_open_data(app, towns):
    client = app.test_client()
    page = client.get(f"/directory/{IKOMA}").get_data(as_text=True)
    assert "【例】いこま こころの相談室" in page and "【例】ざま" not in page
    assert client.get("/directory/999999").status_code == 404
    assert client.get("/directory/abc").status_code == 404
    assert "生駒市" in client.get("/directory").get_data(as_text=True)
    csv = client.get("/opendata/directory.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("全国地方公共団体コード,") and len(lines) == 3
    assert lines[1].startswith("142166,神奈川県,座間市,【例】ざま") and "0743-00-0000" in lines[2]


def test_a_school_of_the_town_prints_childrens_cards_for_its_class(app, towns, tmp_path):
    publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    make_entry(name="【例】こども相談窓口", audiences=("children",), children_wording="【れい】こまったら話してね。")
    school = make_organisation(municipality=IKOMA, kind=OrganisationKind.SCHOOL, name="生駒市立 例小学校")
    make_coordinator(school, email="teacher@example.jp")
    db.session.commit()
    client = client_of(app, "teacher@example.jp")
    index = client.get(f"/coordinate/organisations/{school.id}/directory").get_data(as_text=True)
    assert "子ども向けのカードを印刷する" in index
    sheet = client.get(f"/coordinate/organisations/{school.id}/directory/{IKOMA}/cards.pdf?children=1")
    assert sheet.status_code == 200
    text = _pdf_text(sheet.data, tmp_path)
    assert "こまったら話してね" in text and "0120-99-7777" in text and "いこま こころの相談室" not in text
    # Printing is all a school may do with the directory, and only its own town's.
    assert client.get(f"/coordinate/organisations/{school.id}/directory/{IKOMA}").status_code == 404
    assert client.get(f"/coordinate/organisations/{school.id}/directory/{ZAMA}/cards.pdf").status_code == 404
