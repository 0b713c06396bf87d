"""`milestones ssh`: an SSH server that serves the TUI itself, as charmbracelet's wish
and soft-serve do. `ssh -p 2222 LOGIN@host` proves it holds a key registered to LOGIN
(rules/identity.py) and gets the contract list as that account, on a pseudo-terminal
of its own that follows the client's size and TERM.

Nothing else is served: no shell, no subsystem (sftp), no port or socket forwarding,
no agent or X11 forwarding; environment variables the client sends are refused. An
exec request runs one of the CLI's verbs as the key's account (tui/remote/ssh_exec.py),
nothing else. A disconnect ends the session's TUI process and every process it started;
so do the idle timeout and the end of the session (the account disabled, I-03).
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from rules.errors import RuleError
from tui.remote import session_environment, tui_argv
from tui.remote.pty_process import PtyProcess

log = logging.getLogger("milestones.ssh")
SESSION_CHECK_EVERY = 5.0  # seconds between checks that each session may go on
RESET = b"\x1b[0m\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1006l\r\n"
NO_TTY = ("Milestones is a terminal app: connect with a terminal (ssh -t). "
          "Nothing else runs here.\r\n")


@dataclass(frozen=True)
class SshSettings:
    host: str
    port: int
    host_key: Path
    idle_timeout: float = 1800.0
    max_sessions: int = 50
    sweep_every: float | None = None


def host_key(path: Path) -> asyncssh.SSHKey:
    """The server's key: read, or made on first start and kept (owner-only)."""
    if path.is_file():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="milestones host key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    log.info("made the host key %s (%s)", path, key.get_fingerprint("sha256"))
    return key


class Hub:
    """What every connection shares: the database URL, the settings, open sessions."""

    def __init__(self, db_url: str, settings: SshSettings) -> None:
        self.db_url = db_url
        self.settings = settings
        self.sessions: set[TuiSession] = set()

    async def watch(self) -> None:
        """End sessions that were closed elsewhere or went idle."""
        from rules.identity import session_open
        idle = self.settings.idle_timeout
        every = min(SESSION_CHECK_EVERY, max(idle / 2, 0.2)) if idle else SESSION_CHECK_EVERY
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for session in list(self.sessions):
                idle = self.settings.idle_timeout
                if idle and now - session.last_input > idle:
                    session.end(f"Disconnected after {idle / 60:g} minutes without a key.")
                elif session.token and not await asyncio.to_thread(session_open,
                                                                   session.token):
                    session.end("Your session has ended: the account was disabled.")


class Gate(asyncssh.SSHServer):
    """One connection's login: public keys only, each checked against the accounts."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = ""
        self.username = ""
        self.account = None
        self.fingerprint = ""
        self.refused: RuleError | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("",)
        self.address = str(peer[0])

    def connection_lost(self, exc: Exception | None) -> None:
        from rules.identity import RATE_RULE
        if self.account is None and self.refused is not None and self.refused.rule_id != RATE_RULE:
            # Counted once per connection, not per key offered (I-04).
            asyncio.get_running_loop().run_in_executor(None, self._count_refusal)

    def _count_refusal(self) -> None:
        from rules.identity import refuse_login
        try:
            refuse_login(self.username, self.address, channel="ssh",
                         fingerprint=self.fingerprint)
        except Exception:  # noqa: BLE001 - the connection is gone; log, do not crash
            log.exception("could not record a refused login")

    def begin_auth(self, username: str) -> bool:
        self.username = username[:64]
        return True  # always authenticate

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        from rules.identity import key_login
        fingerprint = key.get_fingerprint("sha256")
        try:
            self.account = await asyncio.to_thread(key_login, username, fingerprint,
                                                   self.address)
        except RuleError as refusal:
            self.fingerprint = self.fingerprint or fingerprint
            if self.refused is None and self.conn is not None:
                self.conn.send_auth_banner(f"{refusal.message} [{refusal.rule_id}]\r\n")
            self.refused = refusal
            return False
        self.fingerprint = fingerprint
        return True

    def session_requested(self):
        if self.account is None or self.conn is None:
            return False
        chan = self.conn.create_server_channel(encoding=None)
        chan._process_env_request = _refuse_env  # the client's environment stays out
        return chan, TuiSession(self)

    # No forwarding of any kind.
    def connection_requested(self, *args) -> bool:
        return False

    def server_requested(self, *args) -> bool:
        return False

    def unix_connection_requested(self, *args) -> bool:
        return False

    def unix_server_requested(self, *args) -> bool:
        return False


def _refuse_env(packet) -> bool:
    packet.get_string()
    packet.get_string()
    packet.check_end()
    return False


class TuiSession(asyncssh.SSHServerSession):
    """One SSH session: a pty and the TUI process bound to the key's account."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.hub = gate.hub
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term = "xterm-256color"
        self.size = (80, 24)
        self.has_pty = False
        self.process: PtyProcess | None = None
        self.token: str | None = None
        self.exec_argv: list[str] | None = None
        self.last_input = time.monotonic()
        self._ending = False

    def connection_made(self, chan) -> None:
        self.chan = chan

    def pty_requested(self, term_type, term_size, term_modes) -> bool:
        self.has_pty = True
        self.term = term_type or self.term
        if term_size[0] and term_size[1]:
            self.size = (term_size[0], term_size[1])
        return True

    def terminal_size_changed(self, width, height, pixwidth, pixheight) -> None:
        if width and height:
            self.size = (width, height)
            if self.process is not None:
                self.process.resize(width, height)

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        from tui.remote.ssh_exec import remote_argv
        self.exec_argv = remote_argv(command, self.hub.db_url)
        if self.exec_argv is None:
            log.info("refused exec %r from %s", command[:80], self.gate.address)
            if self.chan is not None:
                from tui.remote.ssh_exec import refusal_text
                self.chan.write_stderr(refusal_text())
            return False
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        from rules.identity import open_session
        assert self.chan is not None
        if self.exec_argv is not None:
            await self._run_verb()
            return
        if not self.has_pty:
            self.chan.write_stderr(NO_TTY.encode())
            self.chan.exit(1)
            return
        if len(self.hub.sessions) >= self.hub.settings.max_sessions:
            self.chan.write_stderr(b"The server is full: try again in a while.\r\n")
            self.chan.exit(1)
            return
        account = self.gate.account
        self.token = await asyncio.to_thread(open_session, account, "ssh", self.gate.address,
                                             self.gate.fingerprint)
        env = session_environment(self.token)
        env["TERM"] = self.term
        # The size is the client's pty, and follows it: a size fixed in the server's
        # environment (COLUMNS, LINES) would hold every session to it.
        for name in ("COLORTERM", "COLUMNS", "LINES", "ROWS"):
            env.pop(name, None)
        width, height = self.size
        self.process = PtyProcess(tui_argv(self.hub.db_url, self.hub.settings.sweep_every),
                                  env, width=width, height=height,
                                  on_output=self._output, on_exit=self._exited)
        self.hub.sessions.add(self)
        log.info("session for %s from %s (pid %d)", account.login, self.gate.address,
                 self.process.pid)

    async def _run_verb(self) -> None:
        from rules.identity import open_session
        from tui.remote.ssh_exec import run_verb
        assert self.chan is not None and self.exec_argv is not None
        self.token = await asyncio.to_thread(open_session, self.gate.account, "ssh",
                                             self.gate.address, self.gate.fingerprint)
        try:
            code = await run_verb(self.chan, self.exec_argv,
                                  session_environment(self.token))
        finally:
            self._finish()
        self.chan.exit(code)

    def _output(self, data: bytes) -> None:
        if self.chan is not None and not self._ending:
            self.chan.write(data)

    def _exited(self, code: int) -> None:
        self._finish()
        if self.chan is not None and not self._ending:
            self._ending = True
            self.chan.exit(code if code >= 0 else 1)

    def data_received(self, data: bytes, datatype) -> None:
        self.last_input = time.monotonic()
        if self.process is not None:
            self.process.write(data)

    def eof_received(self) -> bool:
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def signal_received(self, signal_name: str) -> None:
        pass  # the client signals nothing to the TUI: its keys are enough

    def end(self, message: str) -> None:
        """Close the session from the server's side, with a last line to the client."""
        if self._ending:
            return
        self._ending = True
        asyncio.get_running_loop().create_task(self._end(message))

    async def _end(self, message: str) -> None:
        if self.process is not None:
            await self.process.terminate()
        if self.chan is not None:
            self.chan.write(RESET + message.encode() + b"\r\n")
            self.chan.exit(0)
        self._finish()

    def connection_lost(self, exc: Exception | None) -> None:
        self._ending = True
        if self.process is not None:
            asyncio.get_running_loop().create_task(self.process.terminate())
        self._finish()

    def _finish(self) -> None:
        from rules.identity import end_session
        self.hub.sessions.discard(self)
        token, self.token = self.token, None
        if token:
            asyncio.get_running_loop().run_in_executor(None, end_session, token)


async def start_server(db_url: str, settings: SshSettings):
    hub = Hub(db_url, settings)
    server = await asyncssh.create_server(
        lambda: Gate(hub), settings.host, settings.port,
        server_host_keys=[host_key(settings.host_key)],
        agent_forwarding=False, x11_forwarding=False, allow_pty=True, line_editor=False,
        login_timeout=60, keepalive_interval=30, encoding=None)
    watcher = asyncio.get_running_loop().create_task(hub.watch())
    return server, hub, watcher


def serve_ssh(db_url: str, settings: SshSettings) -> int:
    """Serve until ctrl+c or SIGTERM; then end every session."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def main() -> None:
        server, hub, watcher = await start_server(db_url, settings)
        key = host_key(settings.host_key)
        print(f"Milestones over SSH on {settings.host}:{settings.port} (host key "
              f"{key.get_fingerprint('sha256')}); ctrl+c stops", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        watcher.cancel()
        server.close()
        for session in list(hub.sessions):
            if session.process is not None:
                await session.process.terminate()
        await server.wait_closed()

    asyncio.run(main())
    return 0
