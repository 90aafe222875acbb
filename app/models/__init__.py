"""All models, imported here so Alembic and the app see the whole schema."""
from app.models.audit import AuditEvent
from app.models.certificate import (
    BulkJob,
    Certificate,
    CertificateFile,
    CertificateSettings,
    CertificateStatus,
    JobStatus,
    SerialCounter,
)
from app.models.cohort import Attendance, Cohort, CohortInvitation, CohortMode, InvitationStatus
from app.models.content_source import ContentSourceFile
from app.models.course import Asset, Audience, ContentVersion, Course, Lesson
from app.models.directory import DirectoryAudience, DirectoryEntry, EntryStatus
from app.models.evaluation import EvaluationPair
from app.models.login import LoginSession
from app.models.municipality import Municipality, Prefecture
from app.models.organisation import Membership, Organisation, OrganisationKind
from app.models.participant_import import ParticipantImport
from app.models.platform import MemberState, Platform, PlatformMember
from app.models.progress import (
    CompletedVia,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    Reflection,
    SurveyResponse,
)
from app.models.pupil import SchoolClass
from app.models.statistics import SupporterRecord
from app.models.user import (
    AgeBand,
    OneTimeToken,
    PendingRegistration,
    Role,
    Sex,
    TextSize,
    TokenPurpose,
    User,
)

__all__ = [
    "Attendance",
    "Cohort",
    "CohortInvitation",
    "CohortMode",
    "InvitationStatus",
    "BulkJob",
    "Certificate",
    "CertificateFile",
    "CertificateSettings",
    "CertificateStatus",
    "JobStatus",
    "SerialCounter",
    "Asset",
    "Audience",
    "ContentSourceFile",
    "ContentVersion",
    "Course",
    "Lesson",
    "EvaluationPair",
    "AgeBand",
    "AuditEvent",
    "CompletedVia",
    "Enrolment",
    "LessonProgress",
    "QuizAttempt",
    "Reflection",
    "SchoolClass",
    "SurveyResponse",
    "SupporterRecord",
    "TextSize",
    "LoginSession",
    "Membership",
    "Municipality",
    "OneTimeToken",
    "Organisation",
    "OrganisationKind",
    "ParticipantImport",
    "MemberState",
    "Platform",
    "PlatformMember",
    "DirectoryAudience",
    "DirectoryEntry",
    "EntryStatus",
    "PendingRegistration",
    "Prefecture",
    "Role",
    "Sex",
    "TokenPurpose",
    "User",
]
