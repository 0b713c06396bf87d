"""A TUI process on a pseudo-terminal of its own: started for one SSH session, sized
like the client's terminal, ended with it (its whole process group: no orphans)."""
from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import subprocess
import termios
from typing import Callable

READ_CHUNK = 65536


def set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def _controlling_terminal() -> None:  # pragma: no cover - runs in the child
    # After setsid (start_new_session), make the pty on stdin the controlling terminal:
    # the kernel then sends SIGWINCH to the TUI when the size changes, and SIGHUP
    # when the pty closes.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """`argv` on a new pty. `on_output(bytes)` gets what it writes; `on_exit(code)`
    is called once, after its output is drained."""

    def __init__(self, argv: list[str], env: dict[str, str], *, width: int, height: int,
                 on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self._on_output, self._on_exit = on_output, on_exit
        master, slave = os.openpty()
        set_size(slave, width, height)
        try:
            self.process = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                start_new_session=True, preexec_fn=_controlling_terminal)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.master = master
        os.set_blocking(master, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(master, self._readable)
        self._closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the pty's other side has closed it
            data = b""
        if data:
            self._on_output(data)
            return
        self._loop.remove_reader(self.master)
        self._loop.create_task(self._reap())

    async def _reap(self) -> None:
        code = await asyncio.to_thread(self.process.wait)
        self._close_master()
        self._on_exit(code)

    def write(self, data: bytes) -> None:
        if self._closed:
            return
        try:
            os.write(self.master, data)
        except BlockingIOError:  # the TUI is not reading: typed-ahead keys beyond the
            pass                 # kernel's buffer are dropped, as a terminal would
        except OSError:
            pass

    def resize(self, width: int, height: int) -> None:
        if self._closed:
            return
        set_size(self.master, width, height)
        self._signal(signal.SIGWINCH)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _close_master(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._loop.remove_reader(self.master)
            except (ValueError, RuntimeError):
                pass
            os.close(self.master)

    async def terminate(self, grace: float = 2.0) -> int:
        """End the TUI and every process it started: SIGHUP (the line hung up), then
        SIGKILL if it is still there after `grace` seconds."""
        if self.process.poll() is None:
            self._signal(signal.SIGHUP)
            try:
                await asyncio.wait_for(asyncio.to_thread(self.process.wait), grace)
            except asyncio.TimeoutError:
                self._signal(signal.SIGKILL)
                await asyncio.to_thread(self.process.wait)
        self._signal(signal.SIGKILL)  # anything left in its process group
        self._close_master()
        return self.process.returncode
