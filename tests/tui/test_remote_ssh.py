"""`milestones ssh` (tui/remote/ssh.py): the real server process, a real SSH client
(asyncssh), the real TUI behind it. Nothing mocked."""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import asyncssh
import pytest

from rules.accounts import add_key, set_disabled
from remote_helpers import (OPERATOR, free_port, server_env, start_server, stop,
                            wait_for_port, world_url)

ACCOUNTS = ("ada", "cy", "bo", "di", "sam")
# Each account's contracts in the world (tests/tui/conftest.py), and one it must not see.
OWN = {"ada": "Website redesign", "cy": "Data pipeline", "bo": "Logo refresh",
       "di": "Mobile app MVP", "sam": "Mobile app MVP"}
NOT_OWN = {"ada": "Data pipeline", "cy": "Logo refresh", "bo": "Mobile app MVP",
           "di": "Website redesign", "sam": None}


class Server:
    def __init__(self, port: int, proc, keys: dict[str, asyncssh.SSHKey]):
        self.port, self.proc, self.keys = port, proc, keys

    def connect(self, login: str, key: asyncssh.SSHKey | None = None, **kwargs):
        return asyncssh.connect("127.0.0.1", self.port, username=login, known_hosts=None,
                                client_keys=[key or self.keys[login]], agent_path=None,
                                **kwargs)


def start(tmp_path, clock, *extra: str) -> Server:
    keys = {}
    for login in ACCOUNTS:
        keys[login] = asyncssh.generate_private_key("ssh-ed25519")
        add_key(OPERATOR, login, keys[login].export_public_key().decode(), clock=clock)
    port = free_port()
    proc = start_server(["ssh", "--db", world_url(tmp_path), "--port", str(port),
                         "--host-key", str(tmp_path / "host_key"), "--sweep-every", "0",
                         *extra], server_env(tmp_path))
    wait_for_port(proc, port)
    return Server(port, proc, keys)


@pytest.fixture
def server(world, tmp_path, clock):
    started = start(tmp_path, clock)
    yield started
    stop(started.proc)


PLAIN = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


async def read_until(process, needle: str, seconds: float = 15) -> str:
    """The session's output as text (escape sequences removed) up to `needle`."""
    raw = b""
    deadline = time.monotonic() + seconds
    while needle not in PLAIN.sub("", raw.decode("utf-8", "replace")):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"never saw {needle!r}: {PLAIN.sub('', raw.decode())[-400:]}")
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), left)
        except asyncio.TimeoutError:
            continue
        if not chunk:
            break
        raw += chunk
    await asyncio.sleep(0.3)  # the rest of that frame
    return PLAIN.sub("", raw.decode("utf-8", "replace"))


def tui_children(server_pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server_pid:  # the parent's pid
            found.append(int(stat.parent.name))
    return found


async def open_tui(server: Server, login: str, size=(100, 30), **kwargs):
    conn = await server.connect(login)
    process = await conn.create_process(term_type="xterm-256color", term_size=size,
                                        encoding=None, **kwargs)
    return conn, process


def test_bo_sees_his_contracts_and_none_of_adas_and_leaves_no_process(server):
    async def scenario():
        conn, process = await open_tui(server, "bo", env={"EVIL": "1", "LANG": "xx"})
        shown = await read_until(process, OWN["bo"])
        assert "Bo Freelancer" in shown and "Website redesign" in shown
        assert NOT_OWN["bo"] not in shown
        children = tui_children(server.proc.pid)
        assert len(children) == 1
        environ = Path(f"/proc/{children[0]}/environ").read_bytes().split(b"\0")
        assert b"EVIL=1" not in environ and b"LANG=xx" not in environ  # no client env
        assert any(e.startswith(b"MILESTONES_SESSION=") for e in environ)
        assert b"TERM=xterm-256color" in environ
        conn.close()
        await conn.wait_closed()
        for _ in range(50):
            if not tui_children(server.proc.pid) and not Path(f"/proc/{children[0]}").exists():
                break
            await asyncio.sleep(0.1)
        assert tui_children(server.proc.pid) == [] and not Path(f"/proc/{children[0]}").exists()
    asyncio.run(scenario())


def test_a_resize_reaches_the_tui(server):
    async def scenario():
        conn, process = await open_tui(server, "ada", size=(80, 24))
        await read_until(process, OWN["ada"])
        # Let start-up finish (a loaded machine draws the first frame before the app is
        # ready for a resize), reading what it still writes.
        quiet_until = time.monotonic() + 1.5
        while time.monotonic() < quiet_until:
            try:
                await asyncio.wait_for(process.stdout.read(65536), 0.3)
            except asyncio.TimeoutError:
                pass
        process.change_terminal_size(120, 40)
        raw = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not re.search(rb"\x1b\[(2[5-9]|3[0-9]|40);1H", raw):
            try:
                raw += await asyncio.wait_for(process.stdout.read(65536), 1)
            except asyncio.TimeoutError:
                pass
        assert re.search(rb"\x1b\[(2[5-9]|3[0-9]|40);1H", raw), "no row below 24 was drawn"
        conn.close()
    asyncio.run(scenario())


class Banner(asyncssh.SSHClient):
    said: list[str] = []

    def auth_banner_received(self, msg: str, lang: str) -> None:
        Banner.said.append(msg)


def test_I02_an_unknown_key_a_wrong_name_and_a_disabled_account_are_refused(server, clock):
    set_disabled(OPERATOR, "di", True, clock=clock)
    stranger = asyncssh.generate_private_key("ssh-ed25519")

    async def refused(login: str, key=None) -> str:
        Banner.said = []
        with pytest.raises(asyncssh.PermissionDenied):
            await server.connect(login, key, client_factory=Banner)
        return "".join(Banner.said)

    async def scenario():
        said = {await refused("bo", stranger), await refused("ada", server.keys["bo"]),
                await refused("nobody", server.keys["bo"]), await refused("di")}
        assert len(said) == 1  # the same one line whatever was wrong
        line = said.pop()
        assert "[I-02]" in line and line.count("\n") == 1
        assert not re.search(r"\b(ada|bo|cy|di|sam)\b", line)
    asyncio.run(scenario())


def test_exec_forwarding_and_subsystems_are_refused(server):
    async def scenario():
        async with server.connect("bo") as conn:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_process("cat /etc/passwd")
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.open_connection("127.0.0.1", server.port)  # -L forwarding
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)  # -R
            with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
                await conn.start_sftp_client()
            no_pty = await conn.create_process(encoding=None)  # a shell without a terminal
            out = await no_pty.stderr.read()
            assert b"terminal app" in out and (await no_pty.wait()).exit_status == 1
    asyncio.run(scenario())


def test_ten_sessions_of_different_accounts_each_see_only_their_own(server):
    async def one(login: str) -> tuple[str, str]:
        conn, process = await open_tui(server, login)
        try:
            return login, await read_until(process, OWN[login], seconds=40)
        finally:
            conn.close()

    async def scenario():
        shown = dict(await asyncio.gather(*(one(login) for login in ACCOUNTS * 2)))
        for login, text in shown.items():
            assert OWN[login] in text
            if NOT_OWN[login]:
                assert NOT_OWN[login] not in text, login
    asyncio.run(scenario())


def test_I03_a_disabled_account_s_session_ends_and_an_idle_one_is_closed(world, tmp_path,
                                                                         clock):
    server = start(tmp_path, clock, "--idle-timeout", "3")
    try:
        async def scenario():
            conn, process = await open_tui(server, "cy")
            await read_until(process, OWN["cy"])
            set_disabled(OPERATOR, "cy", True, clock=clock)
            rest = await read_until(process, "session has ended", seconds=10)
            assert "account was disabled" in rest
            conn2, idle = await open_tui(server, "bo")
            await read_until(idle, OWN["bo"])
            assert "without a key" in await read_until(idle, "without a key", seconds=10)
            conn.close()
            conn2.close()
        asyncio.run(scenario())
    finally:
        stop(server.proc)


def test_the_host_key_is_made_once_and_kept(world, tmp_path, clock):
    first = start(tmp_path, clock)
    stop(first.proc)
    made = (tmp_path / "host_key").read_bytes()
    assert (tmp_path / "host_key").stat().st_mode & 0o077 == 0  # the owner's only
    again = start(tmp_path, clock)
    stop(again.proc)
    assert (tmp_path / "host_key").read_bytes() == made


def test_the_cli_verbs_run_over_ssh_as_the_keys_account_and_nothing_else(server, world):
    import json

    async def run(conn, command: str):
        result = await conn.run(command, check=False)
        return result.exit_status, result.stdout, result.stderr

    async def scenario():
        async with server.connect("bo") as conn:
            code, out, err = await run(conn, "contracts list --json")
            assert code == 0, err
            titles = {row["title"] for row in json.loads(out)}
            assert titles == {"Website redesign", "Logo refresh", "Data pipeline"}  # bo's
            code, out, err = await run(conn, f"fund {world.logo.id}")  # the client's verb
            assert code == 2 and "[G-07]" in err and out == "", err
            code, out, err = await run(conn, "offers list --json")
            assert (code, json.loads(out)) == (0, []), err
            # export comes to the client's stdout, never into a file on the server.
            code, out, err = await run(conn, "export contracts --format json")
            assert code == 0, err
            assert {r["title"] for r in json.loads(out)} == titles
            for command in ("export ledger -o /tmp/x.csv", "export ledger -o/tmp/x.csv",
                            "export ledger --out=/tmp/x.csv", "export ledger --output /tmp/x",
                            "accounts list", "contracts list --db sqlite:////tmp/x.db",
                            "contracts list --d=sqlite:////tmp/x.db", "contracts list --as ada",
                            "demo", "ssh", "config show", "sh -c id"):
                with pytest.raises(asyncssh.ChannelOpenError):
                    await conn.run(command)
    asyncio.run(scenario())
