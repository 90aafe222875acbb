"""Accounts, roles and one-time links."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import passwords
from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.municipality import Municipality
    from app.models.organisation import Membership


class Role(enum.Enum):
    TRAINEE = "trainee"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class AgeBand(enum.Enum):
    UNDER_20 = "under_20"  # 10代以下
    AGE_20S = "20s"
    AGE_30S = "30s"
    AGE_40S = "40s"
    AGE_50S = "50s"
    AGE_60S = "60s"
    OVER_70 = "70_plus"  # 70代以上


class Sex(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NO_ANSWER = "no_answer"


class TextSize(enum.Enum):
    NORMAL = "normal"
    LARGE = "large"
    XLARGE = "xlarge"


class User(UserMixin, db.Model):
    __tablename__ = "user"
    # A pupil is found by class code + number, so the number is unique within the class.
    __table_args__ = (sa.UniqueConstraint("school_class_id", "pupil_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; NULL for accounts without e-mail (pupils).
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.TRAINEE, index=True)
    municipality_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("municipality.code"), index=True
    )
    # Used only for statistics; never shown to coordinators per person.
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand))
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change so other sessions (remember-me cookies) stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reading preferences, remembered per user.
    text_size: Mapped[TextSize] = mapped_column(
        str_enum(TextSize), default=TextSize.NORMAL, server_default=TextSize.NORMAL.value
    )
    is_furigana_on: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Pupils (no e-mail) belong to a school class and log in with its code and their number.
    school_class_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("school_class.id", ondelete="SET NULL", use_alter=True)
    )
    pupil_number: Mapped[int | None]

    municipality: Mapped[Municipality | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.check_password(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    # The random token of the login this object was loaded for (set at login and by the user
    # loader); Flask-Login keeps it as the id in the session and the remember-me cookie.
    login_token = None  # not a column

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("a user is logged in only through accounts.start_login")
        return self.login_token

    # UserMixin compares get_id(); compare accounts instead, so this works without a login too.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, User) and other.id == self.id

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    @property
    def is_pupil(self) -> bool:
        return self.school_class_id is not None


class TokenPurpose(enum.Enum):
    PASSWORD_RESET = "password_reset"
    INVITE = "invite"


class OneTimeToken(db.Model):
    """A one-time link (password reset, coordinator invitation); only its hash is stored.

    An invitation changes nothing until it is accepted: the organisation it invites into and who
    sent it are kept here, and applied only when the invited person accepts."""

    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PendingRegistration(db.Model):
    """A registration waiting for its owner to follow the link mailed to the address: the account
    is created only then, so the answer to the form never tells whether the address was known."""

    __tablename__ = "pending_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(60))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    municipality_code: Mapped[str] = mapped_column(sa.ForeignKey("municipality.code", ondelete="CASCADE"))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand))
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
