"""SSH public keys as an operator pastes them (one OpenSSH line): parsed, checked and
fingerprinted the way `ssh-keygen -l` prints them (SHA256 of the key blob, base64
without padding). Pure: no database, no network (I-05)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from rules.errors import RuleError

KEY_RULE = "I-05"
MIN_RSA_BITS = 2048
ALGORITHMS = (
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "ssh-rsa", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)
MAX_LINE = 16_384


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    blob: bytes
    comment: str

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.blob)

    @property
    def openssh(self) -> str:
        """The line as stored: type and base64 blob (the comment is kept apart)."""
        return f"{self.algorithm} {base64.b64encode(self.blob).decode()}"


def fingerprint_of(blob: bytes) -> str:
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _strings(blob: bytes) -> list[bytes]:
    """The key blob's fields: each a 4-byte length and that many bytes (RFC 4253)."""
    fields, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise ValueError("truncated length")
        (size,) = struct.unpack(">I", blob[at:at + 4])
        at += 4
        if at + size > len(blob):
            raise ValueError("truncated field")
        fields.append(blob[at:at + size])
        at += size
    return fields


def parse_public_key(line: object) -> PublicKey:
    """One line of an `id_*.pub` or `authorized_keys` file (without options)."""
    if not isinstance(line, str):
        raise RuleError(KEY_RULE, "An SSH public key is one line of text.")
    text = line.strip()
    if "PRIVATE KEY" in text:
        raise RuleError(KEY_RULE, "That is a private key: give the public one (the .pub "
                                  "file). Keep the private key to yourself.")
    if not text or len(text) > MAX_LINE or "\n" in text:
        raise RuleError(KEY_RULE, "An SSH public key is one line: its type, the key in "
                                  "base64 and an optional comment (the .pub file).")
    parts = text.split(None, 2)
    if len(parts) < 2 or parts[0] not in ALGORITHMS:
        raise RuleError(KEY_RULE, "Not an SSH public key of a known type: use ed25519, "
                                  "ecdsa or rsa (the line starts with ssh-ed25519, "
                                  "ecdsa-sha2-… or ssh-rsa).")
    algorithm, encoded = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    try:
        blob = base64.b64decode(encoded, validate=True)
        fields = _strings(blob)
    except (binascii.Error, ValueError):
        raise RuleError(KEY_RULE, "The key's base64 part is damaged: copy the whole line "
                                  "of the .pub file again.") from None
    if not fields or fields[0].decode("ascii", "replace") != algorithm:
        raise RuleError(KEY_RULE, "The key's type does not match its contents: copy the "
                                  "whole line of the .pub file again.")
    if algorithm == "ssh-rsa":
        bits = int.from_bytes(fields[2], "big").bit_length() if len(fields) >= 3 else 0
        if bits < MIN_RSA_BITS:
            raise RuleError(KEY_RULE, f"RSA keys must have at least {MIN_RSA_BITS} bits "
                                      f"(this one has {bits}): make an ed25519 key with "
                                      "`ssh-keygen -t ed25519`.")
    if any(ord(c) < 32 or ord(c) == 127 for c in comment) or len(comment) > 200:
        comment = ""  # a comment is a label only: drop one that cannot be shown safely
    return PublicKey(algorithm, blob, comment)
