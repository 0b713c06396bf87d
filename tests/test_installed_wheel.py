"""The wheel, as a user gets it: built from this checkout, installed into a fresh venv,
and its `milestones` command run from another folder: --version, a demo, and the TUI
itself, driven in a real pseudo-terminal until its first screen, then `q`."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `milestones` command of a fresh venv holding only the wheel and what it
    depends on."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(work / "dist"), str(ROOT)],
                   check=True, cwd=work, timeout=300)
    wheel = next((work / "dist").glob("milestones-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")],
                   check=True, timeout=120)
    # The project's pip installs into the fresh venv: the same resolver, no bootstrap.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(work / "venv/bin/python"),
                    "install", "--quiet", str(wheel)], check=True, timeout=600)
    return work / "venv" / "bin" / "milestones"


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MILESTONES_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(MILESTONES_CONFIG=str(tmp / "config.toml"), MILESTONES_LOG_DIR=str(tmp / "log"),
               TERM="xterm-256color", HOME=str(tmp))
    return env


def test_the_installed_command_opens_its_tui_from_any_folder(installed, tmp_path):
    env = clean_env(tmp_path)
    version = subprocess.run([str(installed), "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("milestones 0.")
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    made = subprocess.run([str(installed), "--db", db, "demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    pid, fd = pty.fork()
    if pid == 0:  # the child: the installed TUI, from a folder that is not the checkout
        os.chdir(tmp_path)
        os.execve(str(installed), [str(installed), "--db", db, "--as", "ada",
                                   "--sweep-every", "0"], env)
    screen = b""
    deadline = time.monotonic() + 60
    try:
        while b"Contracts" not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
        assert b"Contracts" in screen, screen[-500:]
        assert b"Traceback" not in screen and b"StylesheetError" not in screen
        os.write(fd, b"q")
        # Keep reading: a TUI whose output nobody reads blocks and never quits.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    pass
        assert done, "q did not quit the TUI"
        assert os.waitstatus_to_exitcode(status) == 0
        assert b"Traceback" not in screen
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass  # it had quit
        os.close(fd)
