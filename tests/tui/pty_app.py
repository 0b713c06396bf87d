"""The real app in a pseudo-terminal: keys written as bytes, the screen read back with
pyte (a VT100 emulator), as a user over SSH or tmux would meet it.

Pilot posts one key event at a time and waits; a terminal delivers what was typed
ahead in one read, which is what these tests need (issue 18). Waits poll the emulated
screen for a text, with a generous limit: a wait that runs out is a failure of what the
screen should show, not a timing assertion. `link=SlowLink()` (tests/tui/slow_link.py)
puts a slow link between the app and the emulator.
"""
from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pyte

from slow_link import SlowLink

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, LINES = 80, 24
WAIT = 30.0  # seconds: far above any real wait; a shared CI machine can be slow

# Keys as a terminal sends them (xterm, normal cursor mode as Textual leaves it).
KEYS = {
    "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C", "left": b"\x1b[D",
    "enter": b"\r", "escape": b"\x1b", "space": b" ", "tab": b"\t",
    "home": b"\x1b[H", "end": b"\x1b[F", "f2": b"\x1bOQ", "f3": b"\x1bOR",
    "ctrl+p": b"\x10", "question_mark": b"?", "slash": b"/",
}


def keys(*names: str) -> bytes:
    """The bytes of several keys, to be written at once: names of KEYS, or text."""
    return b"".join(KEYS.get(n, n.encode()) for n in names)


def set_size(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


class PtyApp:
    """`python -m tui.main` on a pty of COLUMNS x LINES; `screen` is what it shows."""

    def __init__(self, db_path: Path, login: str, *, no_color: bool = False,
                 colours_16: bool = False, link: SlowLink | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.master, slave = os.openpty()
        set_size(slave, COLUMNS, LINES)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TEXTUAL", "NO_COLOR", "COLORTERM"))}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", COLUMNS=str(COLUMNS), LINES=str(LINES))
        if colours_16:
            env["TERM"] = "xterm"  # no COLORTERM either: the ANSI theme
        else:
            env["COLORTERM"] = "truecolor"
        if no_color:
            env["NO_COLOR"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.main", "--db", f"sqlite:///{db_path}",
             "--as", login, "--sweep-every", "0", *args],
            stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
            start_new_session=True, close_fds=True)
        os.close(slave)
        self.screen = pyte.Screen(COLUMNS, LINES)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.errors: list[str] = []  # what the emulator could not read
        self.received = 0  # bytes that reached the screen
        self.link = link
        if link is not None:
            link.start(self.master, self.feed)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            if self.link is not None:
                self.link.from_app(data)
            else:
                self.feed(data)

    def feed(self, data: bytes) -> None:
        with self._lock:
            self.received += len(data)
            try:
                self._stream.feed(data)
            except Exception as error:  # noqa: BLE001 - pyte resets itself; say so on failure
                self.errors.append(f"{error!r} in {data[:120]!r}")

    def write(self, data: bytes) -> None:
        """Everything in one write: the app reads it together, as typed-ahead keys."""
        if self.link is not None:
            self.link.to_app(data)
        else:
            os.write(self.master, data)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self.screen.display)

    def wait_for(self, *texts: str, gone: str | None = None) -> str:
        """The screen once it shows every one of `texts` (and no longer `gone`)."""
        deadline = time.monotonic() + WAIT
        while True:
            shown = self.text()
            if all(t in shown for t in texts) and (gone is None or gone not in shown):
                return shown
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"never shown: {texts!r} (gone: {gone!r})\n{shown}"
                                     f"\nemulator errors: {self.errors}")
            time.sleep(0.02)

    def wait_quiet(self, quiet: float = 0.3) -> str:
        """The screen once the app has written nothing for `quiet` seconds: every key
        written so far is handled (the app answers each with a frame, or nothing)."""
        deadline = time.monotonic() + WAIT
        last, since = self.received, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.02)
            if self.received != last:
                last, since = self.received, time.monotonic()
            elif time.monotonic() - since >= quiet and not (self.link and self.link.busy()):
                return self.text()
        raise AssertionError("the app never went quiet")

    def close(self) -> None:
        if self.link is not None:
            self.link.stop()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # The reader ends once the app's side of the pty is closed (EIO). Join it before
        # closing the master: the next test's pty may get the same fd number at once,
        # and a reader still running here would read (and lose) half of its output.
        self._reader.join(10)
        os.close(self.master)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
