"""I-05: SSH public keys, parsed and fingerprinted as ssh-keygen does (pure)."""
from __future__ import annotations

import base64
import struct
import subprocess

import pytest

from rules.errors import RuleError
from rules.ssh_keys import fingerprint_of, parse_public_key


def field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def rsa_line(bits: int) -> str:
    blob = field(b"ssh-rsa") + field(b"\x01\x00\x01") + field(b"\x00" + b"\xff" * (bits // 8))
    return f"ssh-rsa {base64.b64encode(blob).decode()} someone@laptop"


@pytest.fixture(scope="module")
def keygen_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bo@laptop",
                    "-f", str(folder / "id")], check=True)
    printed = subprocess.run(["ssh-keygen", "-lf", str(folder / "id.pub")], check=True,
                             capture_output=True, text=True).stdout.split()[1]
    return (folder / "id.pub").read_text(), printed, (folder / "id").read_text()


def test_I05_the_fingerprint_is_the_one_ssh_keygen_prints(keygen_pair):
    line, printed, _ = keygen_pair
    key = parse_public_key(line)
    assert key.fingerprint == printed and printed.startswith("SHA256:")
    assert (key.algorithm, key.comment) == ("ssh-ed25519", "bo@laptop")
    assert key.openssh == " ".join(line.split()[:2])
    assert fingerprint_of(key.blob) == printed


@pytest.mark.parametrize("bad, says", [
    ("", "one line"),
    ("ssh-ed25519", "known type"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "known type"),
    ("ssh-ed25519 not*base64", "damaged"),
    ("ssh-ed25519 " + base64.b64encode(field(b"ssh-rsa") + field(b"x")).decode(), "match"),
    ("ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x09ssh").decode(), "damaged"),
    ("ssh-ed25519 AAAA\nssh-ed25519 AAAA", "one line"),
    (rsa_line(1024), "at least 2048"),
    (12345, "one line of text"),
])
def test_I05_a_bad_key_is_refused_with_what_to_do(bad, says):
    with pytest.raises(RuleError) as info:
        parse_public_key(bad)
    assert info.value.rule_id == "I-05" and says in info.value.message


def test_I05_a_private_key_is_refused_and_not_echoed(keygen_pair):
    _, _, private = keygen_pair
    with pytest.raises(RuleError) as info:
        parse_public_key(private)
    assert "private key" in info.value.message
    assert "OPENSSH" not in info.value.message


def test_I05_rsa_of_2048_bits_is_accepted_and_a_hostile_comment_dropped():
    key = parse_public_key(rsa_line(2048).replace("someone@laptop", "x\x1b[2Jy"))
    assert key.algorithm == "ssh-rsa" and key.comment == ""
