"""Demo accounts for a local trial: an organisation in 生駒市 with a coordinator, a trainee and an
admin, and a school in the same town with a teacher and a class of five pupils."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.models import EntryStatus, Membership, Organisation, OrganisationKind, Role, SchoolClass, User
from app.services.accounts import pupils
from app.services.accounts.accounts import verify_password
from app.services.certificates import issuing
from app.services.directory import entries as directory_entries
from app.services.organisations import organisations
from app.services.platform import members as platform_members

IKOMA = "292095"
DEMO_ORG_NAME = "生駒市 つながりサポーター事務局（デモ）"
DEMO_SCHOOL_NAME = "生駒市立つながり小学校（デモ）"
DEMO_PLATFORM_NAME = "生駒市つながり連携プラットフォーム（デモ）"
DEMO_CLASS_NAME = "6年1組"
DEMO_CLASS_SIZE = 5
# Named as a teacher names a class (bulk entry): a certificate never prints "6年1組 1番".
DEMO_PUPIL_NAMES = ("つながり はな", "やまの そら", "かわい けんと", "もりた ゆい", "いこま たいち")
# Fixed, so the README can show it; made of the characters pupils' printed passwords use.
DEMO_PUPIL_PASSWORD = "hana47"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    name: str
    label: str = ""  # what `flask demo` prints before the e-mail; the role when empty
    at_school: bool = False  # a coordinator of the demo school rather than of the demo organisation


@dataclass(frozen=True)
class DemoPupil:
    class_code: str
    number: int
    password: str
    name: str


@dataclass(frozen=True)
class Demo:
    organisation: Organisation
    school: Organisation
    accounts: list[DemoAccount]
    pupil: DemoPupil


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@demo.tsunagari.example", "demo-admin-pass", "デモ管理者"),
    DemoAccount("coordinator", "coordinator@demo.tsunagari.example", "demo-coord-pass", "生駒 花子（デモ担当者）"),
    DemoAccount("trainee", "trainee@demo.tsunagari.example", "demo-trainee-pass", "山田 太郎（デモ受講者）"),
    DemoAccount("coordinator", "teacher@demo.tsunagari.example", "demo-teacher-pass", "鹿田 先生（デモ教員）",
                label="teacher", at_school=True),
)


def _organisation(session: Session, kind: OrganisationKind, name: str) -> Organisation:
    org = session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(kind=kind, name=name)
        organisations.set_area(session, org, IKOMA)
        session.add(org)
        session.flush()
        issuing.settings_for(session, org)  # its certificate settings come with it
    return org


def _account(session: Session, account: DemoAccount, org: Organisation) -> User:
    user = session.scalar(sa.select(User).where(User.email == account.email))
    if user is None:
        user = User(email=account.email, display_name=account.name, role=Role(account.role), municipality_code=IKOMA)
        user.set_password(account.password)
        session.add(user)
        session.flush()
    if user.role is Role.COORDINATOR and session.get(Membership, (user.id, org.id)) is None:
        session.add(Membership(user_id=user.id, organisation_id=org.id))
        session.flush()
    return user


def _demo_class(session: Session, school: Organisation, teacher: User) -> SchoolClass:
    """The demo class, made as the teacher's class page makes one, its pupils already named."""
    for school_class in pupils.classes_of(session, school):
        if school_class.name == DEMO_CLASS_NAME:
            return school_class
    return pupils.create_class(session, school, name=DEMO_CLASS_NAME, count=DEMO_CLASS_SIZE,
                               name_for=lambda n: DEMO_PUPIL_NAMES[n - 1], actor=teacher)


# つなぐ先 examples: clearly marked, and without phone numbers (no number is ever made up; the
# national lines come from the course bundle).
DEMO_DIRECTORY = (
    {"name": "【例】くらしとこころの相談窓口（デモ）", "audiences": ("anyone",),
     "helps_with": "【例】デモ用の見本で、実在の窓口ではありません。暮らしやお金、家族、こころのことを"
                   "相談できる窓口を、ここに市区町村の担当者が書きます。",
     "address": "【例】市役所の窓口（デモ）", "hours": "【例】平日の昼間（デモ）", "run_by": "【例】市区町村（デモ）"},
    {"name": "【例】子どもと家族の相談（デモ）", "audiences": ("children", "families"),
     "helps_with": "【例】デモ用の見本で、実在の窓口ではありません。子育てや子どものなやみを相談できる窓口を、ここに書きます。",
     "children_wording": "【れい】これは、れんしゅう用の見本です。ほんとうの相談先ではありません。",
     "is_remote_only": True, "run_by": "【例】市区町村（デモ）"},
)


def _demo_directory(session: Session) -> None:
    """The example entries of the demo town's directory, once."""
    if directory_entries.all_of(session, IKOMA, list(EntryStatus)):
        return
    for example in DEMO_DIRECTORY:
        fields = directory_entries.EntryFields(checked_on=directory_entries.today_jst(), **example)
        directory_entries.add_entry(session, IKOMA, fields, actor=None)


def _demo_platform(session: Session, org: Organisation, school: Organisation) -> None:
    """The demo town's platform, once, with the demo school invited (the teacher may accept it)."""
    if any(p.name == DEMO_PLATFORM_NAME for p in platform_members.platforms_run_by(session, org.id)):
        return
    platform = platform_members.create_platform(session, org, DEMO_PLATFORM_NAME, actor=None)
    platform_members.invite(session, platform, school.id, actor=None)


def ensure_demo(session: Session) -> Demo:
    """Create the demo organisations, accounts and class if missing; running it again changes
    nothing (pupil 1's password is put back to the demo one if someone changed it)."""
    org = _organisation(session, OrganisationKind.MUNICIPALITY, DEMO_ORG_NAME)
    school = _organisation(session, OrganisationKind.SCHOOL, DEMO_SCHOOL_NAME)
    users = {account.email: _account(session, account, school if account.at_school else org)
             for account in DEMO_ACCOUNTS}
    teacher = next(users[a.email] for a in DEMO_ACCOUNTS if a.at_school)
    school_class = _demo_class(session, school, teacher)
    pupil = pupils.pupils_of(session, school_class)[0]
    if not verify_password(pupil, DEMO_PUPIL_PASSWORD, dummy_method=pupils.PUPIL_HASH_METHOD):
        pupil.password_hash = generate_password_hash(DEMO_PUPIL_PASSWORD, method=pupils.PUPIL_HASH_METHOD)
        # Sessions opened with another password end, as when the teacher prints a new card.
        pupil.session_version += 1
    _demo_directory(session)
    _demo_platform(session, org, school)
    session.flush()
    return Demo(org, school, list(DEMO_ACCOUNTS),
                DemoPupil(school_class.code, pupil.pupil_number, DEMO_PUPIL_PASSWORD, pupil.display_name))
