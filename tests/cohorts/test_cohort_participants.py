"""Participants: CSV import from Excel (encodings, row errors, preview, confirmation: every row is
invited, see tests/security/test_security_cohort_consent.py) and attendance (completion,
certificates through the background path, the ZIP)."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import (
    Attendance,
    BulkJob,
    Certificate,
    CohortInvitation,
    CompletedVia,
    Enrolment,
    InvitationStatus,
    JobStatus,
    ParticipantImport,
    User,
)
from app.services.cohorts import cohorts, participant_import
from app.services.learning import enrolling, progress
from tests.cohort_helpers import HEADER, csv_file, join_all, make_cohort
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee


@pytest.fixture()
def client(app, ikoma):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    return client


def upload(client, org, cohort, file):
    url = f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/import"
    return post_form(client, url, {"file": file}, content_type="multipart/form-data")


def enrolled(cohort) -> int:
    return db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort.id))


def invited(cohort) -> int:
    return db.session.scalar(sa.select(sa.func.count(CohortInvitation.id)).where(
        CohortInvitation.cohort_id == cohort.id, CohortInvitation.status == InvitationStatus.PENDING))


# --- reading files -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932", "utf-16"])
def test_excel_encodings_are_read(encoding):
    lines = [HEADER, "髙橋 ①子,takahashi@example.jp,292095,40代,女性"] if encoding != "utf-16" else \
        ["氏名\tメールアドレス\t市区町村コード", "髙橋 ①子\ttakahashi@example.jp\t292095"]
    data = "\r\n".join(lines).encode(encoding)
    rows = participant_import.read_rows(data)
    assert rows[0]["name"] == "髙橋 ①子" and rows[0]["email"] == "takahashi@example.jp" and rows[0]["line"] == 2


def test_unreadable_bytes_are_refused_clearly():
    with pytest.raises(participant_import.ImportFileError) as error:
        participant_import.read_rows(b"\x82\xa0\xff\xfe\xfd,\x81")
    assert error.value.code == "encoding"


def test_headers_are_matched_loosely_and_missing_columns_named():
    rows = participant_import.read_rows("名前 ,E-mail,市区町村コード（6桁）\r\n山田,a@example.jp,292095".encode())
    # Only the name and the address are read: a class list's other columns stay in the file.
    assert rows[0] == {"line": 2, "name": "山田", "email": "a@example.jp"}
    with pytest.raises(participant_import.ImportFileError) as error:
        participant_import.read_rows("氏名,年代\r\n山田,40代".encode())
    assert error.value.code == "missing_columns" and error.value.detail == ["email"]


def test_file_level_problems_are_shown_on_the_upload_page(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course)
    page = upload(client, ikoma, cohort, csv_file(["氏名,年代", "山田,40代"])).get_data(as_text=True)
    assert "必要な列がありません: メールアドレス。" in page
    page = upload(client, ikoma, cohort, (io.BytesIO(b"\x82\xa0\xff\xfe\xfd,\x81"), "x.csv")).get_data(as_text=True)
    assert "文字コードを読み取れませんでした" in page
    page = upload(client, ikoma, cohort, csv_file([HEADER])).get_data(as_text=True)
    assert "参加者の行がありません" in page
    assert db.session.scalar(sa.select(sa.func.count(ParticipantImport.id))) == 0


# --- preview and row errors --------------------------------------------------------------------------------

def test_preview_lists_row_errors_and_stores_nothing_until_confirmed(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, capacity=30)
    already = make_trainee(email="already@example.jp")
    join_all(cohort, [already])
    lines = [
        HEADER,
        "山田 花子,hanako@example.jp,292095,40代,女性",  # line 2: fine
        "鈴木 一郎,ichiro@example.jp,29209,50代,男性",  # line 3: fine (the code is not read)
        "田中 三郎,HANAKO@example.jp,292095,,",  # line 4: the same address as line 2
        ",noname@example.jp,292095,,",  # line 5: no name
        "高橋 四郎,not-an-address,292095,,",  # line 6
        "既存 さん,already@example.jp,292095,,",  # line 7: already in this cohort
    ]
    response = upload(client, ikoma, cohort, csv_file(lines, "cp932"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for expected in (
        "4行目: メールアドレス hanako@example.jp は 2行目と同じです",
        "5行目: 氏名がありません",
        "6行目: メールアドレス「not-an-address」の形が正しくありません",
        "7行目: already@example.jp の人は、すでにこの開催回の参加者です",
        "招待できる行: 2",
    ):
        assert expected in page, expected
    # Nothing stored in the cohort, no invitation, no account made.
    assert enrolled(cohort) == 1 and invited(cohort) == 0
    assert db.session.scalar(sa.select(User).where(User.email == "hanako@example.jp")) is None
    # Confirming with errors, without choosing "only valid rows", is refused and stores nothing.
    url = response.headers["Location"]
    response = post_form(client, url, {})
    assert "エラーのある行が 4 行あるため、取り込みませんでした" in client.get(url).get_data(as_text=True)
    assert enrolled(cohort) == 1 and invited(cohort) == 0
    assert db.session.get(ParticipantImport, int(url.rsplit("/", 1)[1])).confirmed_at is None


def test_only_valid_rows_are_imported_when_chosen(app, ikoma, course, client, outbox):
    cohort = make_cohort(ikoma, course)
    existing = make_trainee(email="existing@example.jp", name="既存 太郎", municipality="142166")
    db.session.commit()
    lines = [HEADER, "山田 花子,hanako@example.jp,292095,40代,女性", "誤り 行,bad-address,292095,,",
             "既存 太郎（名簿の表記）,Existing@Example.jp,292095,20代,男性"]
    url = upload(client, ikoma, cohort, csv_file(lines)).headers["Location"]
    response = post_form(client, url, {"only_valid": "y"})
    assert response.status_code == 302
    wait_for_threads(timeout=60)  # the invitation e-mails go out through the job queue
    # Both valid rows are invited alike; nobody is a participant yet, no account is made.
    assert invited(cohort) == 2 and enrolled(cohort) == 0
    assert db.session.scalar(sa.select(User).where(User.email == "hanako@example.jp")) is None
    db.session.refresh(existing)
    assert existing.display_name == "既存 太郎" and existing.municipality_code == "142166"
    assert enrolling.enrolment_for(db.session, existing, course) is None
    # Each gets an invitation with a one-time link, no password link.
    invite = next(m for m in outbox if m["To"] == "hanako@example.jp").get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/join/invitation/\S+", invite).group(0)
    assert cohort.title in invite and "/reset/" not in invite
    assert any(m["To"] == "existing@example.jp" and "参加のご招待" in m["Subject"] for m in outbox)
    # The new participant registers (here: an account made for them) and accepts from the link.
    make_trainee(email="hanako@example.jp", name="山田 花子")
    db.session.commit()
    participant = app.test_client()
    login(participant, "hanako@example.jp", PASSWORD)
    path = link.split("localhost", 1)[1]
    response = post_form(participant, path.replace("/join/", "/my/cohorts/") + "/accept", {}, token_from=path)
    assert response.status_code == 302
    assert enrolled(cohort) == 1 and invited(cohort) == 1
    # The same preview cannot be imported twice.
    client.post(url, data={})
    assert invited(cohort) == 1
    assert "この取り込みはすでに完了しています" in client.get(url, follow_redirects=True).get_data(as_text=True)


def test_confirmation_checks_the_rows_again(app, ikoma, course, client):
    """The preview may be old: someone may have joined meanwhile, or seats may have gone."""
    cohort = make_cohort(ikoma, course, capacity=3)
    lines = [HEADER, "一 さん,one@example.jp,292095,,", "二 さん,two@example.jp,292095,,",
             "三 さん,three@example.jp,292095,,"]
    url = upload(client, ikoma, cohort, csv_file(lines)).headers["Location"]
    join_all(cohort, [make_trainee(email="walkin@example.jp")])  # a seat taken by the join link
    response = post_form(client, url, {})
    assert "エラーのある行が 1 行あるため" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert enrolled(cohort) == 1 and invited(cohort) == 0
    post_form(client, url, {"only_valid": "y"})
    assert enrolled(cohort) == 1 and invited(cohort) == 2  # each invitation holds its seat
    assert db.session.scalar(sa.select(CohortInvitation).where(CohortInvitation.email == "three@example.jp")) is None


def test_over_capacity_rows_are_marked(app, ikoma, course):
    cohort = make_cohort(ikoma, course, capacity=2)
    rows = participant_import.read_rows("\r\n".join(
        [HEADER] + [f"人{n},p{n}@example.jp,292095,," for n in range(4)]).encode())
    preview = participant_import.check(db.session, cohort, rows)
    assert [r.is_valid for r in preview.rows] == [True, True, False, False]
    assert preview.rows[2].errors[0].code == "over_capacity"


def test_a_class_lists_other_columns_are_never_stored(app, ikoma, course):
    """Municipality, age and sex come from each person when they register, not from the list."""
    cohort = make_cohort(ikoma, course)
    rows = participant_import.read_rows(f"{HEADER}\r\n札幌 花子,s@example.jp,11002,40代,女性".encode())
    preview = participant_import.check(db.session, cohort, rows)
    assert preview.rows[0].is_valid and not preview.rows[0].warnings
    assert set(rows[0]) == {"line", "name", "email"}


def test_thirty_participants_from_a_file_saved_by_excel_in_shift_jis(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, capacity=30)
    lines = [HEADER] + [f"参加 者{n:02d},p{n:02d}@example.jp,２９２０９５,{['20代', '60代'][n % 2]},{['女性', '男性'][n % 2]}"
                        for n in range(30)]
    url = upload(client, ikoma, cohort, csv_file(lines, "cp932", "名簿.csv")).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "招待できる行: 30" in page and "名簿.csv" in page and "30人を招待する" in page
    post_form(client, url, {})
    assert invited(cohort) == 30 and enrolled(cohort) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email.like("p%@example.jp"))) == 0
    # The cohort page lists all 30 as invited, by the names of the list.
    page = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}").get_data(as_text=True)
    assert page.count("招待中") >= 30 and "参加 者29" in page


# --- attendance ----------------------------------------------------------------------------------------

def test_attendance_completes_issues_and_renders_certificates_in_the_background(app, ikoma, course, client, outbox):
    cohort = make_cohort(ikoma, course, days=-1)  # held yesterday: attendance is open
    people = [make_trainee(name=f"出席 者{n}") for n in range(3)]
    absent = make_trainee(name="欠席 者")
    enrolments = join_all(cohort, [*people, absent])
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "欠席 者" in page and "js/select-all.js" in page
    response = post_form(client, url, {"enrolment_id": [str(e.id) for e in enrolments[:3]]})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    wait_for_threads(timeout=300)
    db.session.expire_all()
    done = [db.session.get(Enrolment, e.id) for e in enrolments]
    assert all(e.completed_via is CompletedVia.ATTENDANCE for e in done[:3]) and done[3].completed_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 3
    certs = db.session.scalars(sa.select(Certificate)).all()
    assert len(certs) == 3 and all(c.organisation_id == ikoma.id and c.pdf_sha256 for c in certs)
    job = db.session.scalar(sa.select(BulkJob))
    assert job.status is JobStatus.DONE and job.total == 3
    archive = zipfile.ZipFile(io.BytesIO(client.get(response.headers["Location"] + ".zip").data))
    assert len(archive.namelist()) == 3
    # Recording the same people again adds nothing and issues nothing new.
    post_form(client, url, {"enrolment_id": [str(e.id) for e in enrolments[:3]]})
    wait_for_threads(timeout=300)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 3
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 3


def test_attendance_for_someone_not_in_the_cohort_stores_nothing(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)  # held yesterday: attendance is open
    other = make_cohort(ikoma, course, title="別の回")
    (inside,) = join_all(cohort, [make_trainee()])
    (stranger,) = join_all(other, [make_trainee()])
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/attendance"
    response = post_form(client, url, {"enrolment_id": [str(inside.id), str(stranger.id)]})
    assert "参加者ではない人が含まれていた" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert db.session.get(Enrolment, inside.id).completed_at is None
    response = post_form(client, url, {})
    assert "だれも選ばれていません" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_everyone_button_works_without_javascript(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)  # held yesterday: attendance is open
    join_all(cohort, [make_trainee() for _ in range(4)])
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/attendance"
    post_form(client, url, {"everyone": "1"})
    wait_for_threads(timeout=300)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 4


def test_on_demand_cohorts_have_no_attendance(app, ikoma, course):
    from app.models import CohortMode

    cohort = make_cohort(ikoma, course, mode=CohortMode.ON_DEMAND)
    (enrolment,) = join_all(cohort, [make_trainee()])
    with pytest.raises(cohorts.CohortError) as error:
        cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=make_trainee())
    assert error.value.code == "no_session"


def test_cohort_certificates_zip_holds_only_this_cohorts_certificates(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course)
    other = make_cohort(ikoma, course, title="別の回")
    mine = join_all(cohort, [make_trainee(name="この 回"), make_trainee(name="この 回2")])
    theirs = join_all(other, [make_trainee(name="別 回")])
    for enrolment in [*mine, *theirs]:
        progress.record_attendance(db.session, enrolment)
    db.session.commit()
    response = post_form(client, f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/certificates", {},
                         token_from=f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}")
    wait_for_threads(timeout=300)
    names = zipfile.ZipFile(io.BytesIO(client.get(response.headers["Location"] + ".zip").data)).namelist()
    assert len(names) == 2 and all("この_回" in n for n in names)
