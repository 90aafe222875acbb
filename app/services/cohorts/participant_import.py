"""Participants from a CSV saved by Excel: read, check row by row, preview, then invite.

Nothing is stored in the cohort until the coordinator confirms; the confirmation checks every
row again against the database as it is then (the preview may be hours old). A row is an address
to invite, never an account: the check does not look up whether an address has an account, and
confirming only stores invitations and mails them (see cohorts.invite); each person joins when they
accept, logged in as that address."""
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

from app.models import Cohort, CohortInvitation, Enrolment, InvitationStatus, ParticipantImport, User
from app.models.base import utcnow
from app.services.accounts import accounts
from app.services.cohorts import cohorts
from app.services.infra import audit

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
NAME_MAX = 60
KEEP_UNCONFIRMED = dt.timedelta(days=2)

# Column names people actually type, in Japanese and English; compared after normalising. Other
# columns of a class list (市区町村コード, 年代, 性別 ...) are left unread: each person gives their
# own profile when they register, and a coordinator's copy is never put on anyone's account.
COLUMNS = {
    "name": ("氏名", "名前", "お名前", "氏名フルネーム", "参加者名", "name", "displayname", "fullname"),
    "email": ("メールアドレス", "メール", "eメール", "email", "e-mail", "mail", "emailaddress"),
}
REQUIRED = ("name", "email")


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


def _header_columns(cells: list[str]) -> dict[str, int]:
    """Which column holds which field, from the header row; ImportFileError when a required one is missing."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if key and key not in columns:
            columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ImportFileError("missing_columns", missing)
    return columns


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
                columns = _header_columns(cells)
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


def check(session: Session, cohort: Cohort, raw_rows: list[dict]) -> Preview:
    """Check every row against the file itself and this cohort (a fixed number of queries).

    Only this cohort is consulted: its participants (who accepted, and whose addresses the
    coordinator already sees) and its invitations; never the accounts at large."""
    emails = sorted({accounts.normalise_email(r.get("email", "")) for r in raw_rows} - {""})
    participants = set(session.scalars(
        sa.select(User.email).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id, User.email.in_(emails)))) if emails else set()
    invited = dict(session.execute(
        sa.select(CohortInvitation.email, CohortInvitation.status)
        .where(CohortInvitation.cohort_id == cohort.id, CohortInvitation.email.in_(emails))).all()) if emails else {}
    seen: dict[str, int] = {}
    rows = []
    for raw in raw_rows:
        line = int(raw["line"])
        name = (raw.get("name") or "").strip()
        email = accounts.normalise_email(raw.get("email", ""))
        row = RowCheck(line, name, email)
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
        if email in participants or invited.get(email) is InvitationStatus.ACCEPTED:
            row.errors.append(Problem("already_in_cohort", email))
        elif invited.get(email) is InvitationStatus.PENDING:
            row.errors.append(Problem("already_invited", email))
        elif invited.get(email) is InvitationStatus.DECLINED:
            row.errors.append(Problem("declined", email))
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
    invited: list[tuple[CohortInvitation, str]] = field(default_factory=list)  # and their link tokens
    skipped: int = 0  # rows with errors left out


def confirm(session: Session, imp: ParticipantImport, cohort: Cohort, *, only_valid: bool, actor: User,
            token_lifetime: dt.timedelta) -> ImportResult:
    """Invite the checked rows in one transaction: all of them, or with `only_valid` the valid ones.

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
        result.invited.append(cohorts.invite(session, cohort, email=row.email, name=row.name, actor=actor,
                                             lifetime=token_lifetime))
    audit.record(session, "cohort.import", actor_id=actor.id, target_type="cohort", target_id=cohort.id,
                 invited=len(result.invited), skipped=result.skipped)
    session.flush()
    return result


def fresh_links(session: Session, invitation_ids: list[int], *, lifetime: dt.timedelta,
                now: dt.datetime | None = None) -> list[tuple[CohortInvitation, str]]:
    """New one-time links for the imported invitations still unanswered, made by the background job
    that mails them: the link token never waits in a queue (Redis), and the token made by confirm(),
    never sent, stops working. Invitations answered or removed meanwhile are left out."""
    if not invitation_ids:
        return []
    pending = session.scalars(sa.select(CohortInvitation).where(
        CohortInvitation.id.in_(invitation_ids), CohortInvitation.status == InvitationStatus.PENDING)
        .order_by(CohortInvitation.id)).all()
    links = [(invitation, cohorts._new_token(invitation, lifetime, now or utcnow())) for invitation in pending]
    session.flush()
    return links
