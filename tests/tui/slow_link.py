"""A slow link between the app's pseudo-terminal and the emulator reading it: SSH over a
distant, narrow connection, as tests/tui/test_tui_slow_link.py needs it.

Output: what the app writes is held and reaches the screen in batches every `delay`
seconds (so `delay` to 2 x `delay` late), fed in pieces of at most `chunk` bytes, cut
anywhere, escape sequences included; `pieces_per_batch` caps what one batch carries
(bandwidth: 1 x 1 KB per 100 ms is 10 KB/s), None does not. Input: keys typed while the link is busy wait and
reach the app together, `delay` after the first of them, in one write (typed ahead).
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Callable


class SlowLink:
    def __init__(self, delay: float = 0.1, chunk: int = 1024,
                 pieces_per_batch: int | None = None) -> None:
        self.delay, self.chunk, self.pieces_per_batch = delay, chunk, pieces_per_batch
        self._out: deque[tuple[float, bytes]] = deque()  # (when it was written, bytes)
        self._in: list[bytes] = []
        self._in_since: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.chunks = 0  # pieces delivered to the screen

    def start(self, master: int, deliver: Callable[[bytes], None]) -> None:
        self._master, self._deliver = master, deliver
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def from_app(self, data: bytes) -> None:
        with self._lock:
            self._out.append((time.monotonic(), data))

    def to_app(self, data: bytes) -> None:
        with self._lock:
            if self._in_since is None:
                self._in_since = time.monotonic()
            self._in.append(data)

    def _run(self) -> None:
        while not self._stop.wait(self.delay):
            now = time.monotonic()
            with self._lock:
                typed = b""
                if self._in_since is not None and now - self._in_since >= self.delay:
                    typed, self._in, self._in_since = b"".join(self._in), [], None
                pieces: list[bytes] = []
                while self._out and now - self._out[0][0] >= self.delay and (
                        self.pieces_per_batch is None or len(pieces) < self.pieces_per_batch):
                    piece = bytearray()
                    while self._out and len(piece) < self.chunk and now - self._out[0][0] >= self.delay:
                        when, data = self._out.popleft()
                        room = self.chunk - len(piece)
                        piece += data[:room]
                        if len(data) > room:
                            self._out.appendleft((when, data[room:]))
                    pieces.append(bytes(piece))
            if typed:
                try:
                    os.write(self._master, typed)
                except OSError:
                    return
            for piece in pieces:
                self.chunks += 1
                self._deliver(piece)

    def busy(self) -> bool:
        """Whether something is still on its way, either way."""
        with self._lock:
            return bool(self._out or self._in)

    def stop(self) -> None:
        """Stop and wait: the pty's fd is closed next, and its number may be reused."""
        self._stop.set()
        if getattr(self, "_thread", None) is not None:
            self._thread.join(10)
