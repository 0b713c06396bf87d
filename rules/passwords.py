"""Password hashes: argon2id through argon2-cffi (I-06), its default parameters (RFC
9106's second recommendation). Imported only where a password is set or checked."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
# Checked when the login names no account or one without a password, so that a
# refusal takes as long whether the account exists or not (I-02).
_DECOY = _HASHER.hash("milestones-decoy-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DECOY, password) and bool(stored_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
