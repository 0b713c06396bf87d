"""`milestones serve` (tui/serve.py): the command line it builds, its defaults, and the
web server answering over HTTP, without a browser."""
from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from models.db import sqlite_url
from rules.demo import fill_demo
from tui import cli, serve
from tui.args import DEFAULT_HOST
from tui.app import main


def test_serve_listens_on_localhost_by_default():
    args = cli.parse_args(["serve"])
    assert (args.command, args.host, args.port) == ("serve", "127.0.0.1", 8000)
    assert DEFAULT_HOST == "127.0.0.1"


def test_serve_takes_db_and_as_before_or_after_its_name():
    after = cli.parse_args(["serve", "--db", "sqlite:///x.db", "--as", "sam", "--host",
                            "0.0.0.0", "--port", "9001"])
    assert (after.db, after.login, after.host, after.port) == (
        "sqlite:///x.db", "sam", "0.0.0.0", 9001)
    before = cli.parse_args(["--db", "sqlite:///y.db", "--as", "ada", "serve"])
    assert (before.db, before.login) == ("sqlite:///y.db", "ada")


def test_the_served_command_passes_the_database_and_the_user_through():
    command = serve.served_command("sqlite:////tmp/a b.db", "sam")
    argv = shlex.split(command)
    assert argv[:3] == [sys.executable, "-m", "tui.main"]  # the installed command's module
    assert argv[3:] == ["--db", "sqlite:////tmp/a b.db", "--as", "sam"]  # quoted: a space
    with_sweep = shlex.split(serve.served_command("postgresql://u@h/db", "ada", 0.0))
    assert with_sweep[-4:] == ["--as", "ada", "--sweep-every", "0"]
    # And what it names parses as the TUI's own command line.
    parsed = cli.parse_args(argv[3:])
    assert (parsed.command, parsed.db, parsed.login) == (None, "sqlite:////tmp/a b.db", "sam")


def test_a_wrong_user_or_port_is_one_line_and_exit_2(tmp_path, capsys):
    url = sqlite_url(tmp_path / "s.db")
    assert main(["serve", "--db", url, "--as", "nobody"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("milestones: No user “nobody”.") and err.count("\n") == 1
    assert main(["serve", "--db", url, "--port", "70000"]) == 2
    assert "--port must be from 1 to 65535" in capsys.readouterr().err


def test_prepare_resolves_the_user_the_sessions_start_as(tmp_path, monkeypatch):
    url = sqlite_url(tmp_path / "p.db")
    monkeypatch.delenv(cli.USER_ENV, raising=False)
    assert serve.prepare(cli.parse_args(["serve", "--db", url])) == (url, "ada")  # the demo
    assert serve.prepare(cli.parse_args(["serve", "--db", url, "--as", "sam"])) == (url, "sam")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_answers_over_http_and_stops(tmp_path):
    """Started as a user would, on a free port: the page comes back over HTTP from
    127.0.0.1, and SIGINT (ctrl+c) stops the server cleanly."""
    url = sqlite_url(tmp_path / "web.db")
    cli.open_db(url)
    fill_demo()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tui.app", "serve", "--db", url,
                             "--as", "sam", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and page is None:
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {proc.stderr.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = (r.status, r.read().decode())
            except OSError:
                time.sleep(0.1)
        assert page is not None, "no answer over HTTP"
        status, html = page
        assert status == 200
        assert "Milestones" in html and f"127.0.0.1:{port}" in html  # its websocket
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert f"http://127.0.0.1:{port}" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
