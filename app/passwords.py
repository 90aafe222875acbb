"""Password hashes: argon2id with OWASP's parameters for new hashes; older werkzeug hashes (scrypt for
adults, pbkdf2 for pupils) still verify and are replaced at the next successful log-in.

Kept outside app/services so the User model and the services share one definition; no Flask here.
"""
from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug import security

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (about 26 ms of CPU on the bench
# machine, against about 117 ms for werkzeug's scrypt and 78 ms for the pupils' pbkdf2).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
ARGON2_PREFIX = "$argon2id$"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(pwhash: str | None, password: str) -> bool:
    """True when `password` matches `pwhash`, whichever kind of hash it is."""
    if not pwhash:
        return False
    if pwhash.startswith(ARGON2_PREFIX):
        try:
            return _hasher.verify(pwhash, password)
        except (VerificationError, InvalidHashError):
            return False
    return security.check_password_hash(pwhash, password)


def needs_rehash(pwhash: str | None) -> bool:
    """True for a hash of an older kind or with weaker parameters than today's."""
    if not pwhash or not pwhash.startswith(ARGON2_PREFIX):
        return True
    try:
        return _hasher.check_needs_rehash(pwhash)
    except InvalidHashError:
        return True


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows, checked when no account matches so that timing tells nothing."""
    return hash_password(secrets.token_urlsafe(16))
