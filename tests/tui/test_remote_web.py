"""`milestones serve` (tui/remote/web.py): a login page in front of textual-serve. A
real server process and a real HTTP/websocket client (aiohttp), nothing mocked."""
from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from rules.accounts import set_password
from rules.identity import MAX_FAILURES_PER_LOGIN
from tui.cli import parse_args
from tui.main import main
from remote_helpers import (OPERATOR, free_port, server_env, start_server, stop,
                            wait_for_port, world_url)

PASSWORD = "correct horse battery"


@pytest.fixture
def web(world, tmp_path, clock):
    set_password(OPERATOR, "bo", PASSWORD, clock=clock)
    set_password(OPERATOR, "ada", PASSWORD + "!", clock=clock)
    port = free_port()
    proc = start_server(["serve", "--db", world_url(tmp_path), "--port", str(port),
                         "--sweep-every", "0"], server_env(tmp_path))
    wait_for_port(proc, port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def test_serve_has_no_as_and_listens_on_localhost_by_default(capsys):
    args = parse_args(["serve"])
    assert (args.command, args.host, args.port) == ("serve", None, None)  # config, else
    with pytest.raises(SystemExit):                                       # 127.0.0.1:8000
        parse_args(["serve", "--as", "sam"])
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be from 1 to 65535" in capsys.readouterr().err


def browser() -> aiohttp.ClientSession:
    # A browser keeps cookies of an IP address (127.0.0.1); aiohttp only when unsafe.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def log_in(session: aiohttp.ClientSession, base: str, login: str, password: str):
    return await session.post(f"{base}/login", data={"login": login, "password": password},
                              allow_redirects=False)


async def screen_text(session: aiohttp.ClientSession, base: str, seconds: float = 8) -> str:
    """What the TUI writes to the browser's websocket in its first seconds, as text."""
    ws_url = base.replace("http", "ws") + "/ws?width=100&height=30"
    chunks: list[bytes] = []
    async with session.ws_connect(ws_url) as ws:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            try:
                message = await ws.receive(timeout=max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                chunks.append(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                chunks.append(message.data.encode())
            elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
            if b"Logo refresh" in b"".join(chunks):  # the first frame: take its rest
                deadline = min(deadline, loop.time() + 0.5)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))


def test_without_a_login_there_is_no_page_and_no_websocket(web):
    async def scenario():
        async with browser() as s:
            page = await s.get(f"{web}/", allow_redirects=False)
            assert page.status == 303 and page.headers["Location"] == "/login"
            ws = await s.get(f"{web}/ws")
            assert ws.status == 403
            forged = aiohttp.ClientSession(cookies={"milestones_session": "abc.def"})
            async with forged:
                assert (await forged.get(f"{web}/ws")).status == 403
            form = await s.get(f"{web}/login")
            assert form.status == 200 and 'type="password"' in await form.text()
    asyncio.run(scenario())


def test_I02_I04_a_wrong_password_is_refused_then_rate_limited(web):
    async def scenario():
        async with browser() as s:
            wrong = await log_in(s, web, "bo", "not the password")
            text = await wrong.text()
            assert wrong.status == 401 and "[I-02]" in text and "milestones_session" \
                not in wrong.cookies
            for _ in range(MAX_FAILURES_PER_LOGIN - 1):
                await log_in(s, web, "bo", "still not it")
            late = await log_in(s, web, "bo", PASSWORD)  # right, but too many failures
            assert late.status == 401 and "[I-04]" in await late.text()
            unknown = await log_in(s, web, "ghost", PASSWORD)
            said = await unknown.text()
            assert "[I-02]" in said and not re.search(r"\b(bo|ada)\b", said)
    asyncio.run(scenario())


def test_after_login_the_browser_sees_only_its_own_contracts_then_logs_out(web, world):
    async def scenario():
        async with browser() as s:
            ok = await log_in(s, web, "bo", PASSWORD)
            assert ok.status == 303
            cookie = ok.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            page = await s.get(f"{web}/")
            html = await page.text()
            assert page.status == 200 and "/ws" in html
            # Nothing from outside this server: no web fonts, no scripts elsewhere.
            assert not re.search(r'(src|href)="https?://(?!127\.0\.0\.1)', html)
            assert "fonts.googleapis" not in html
            assert "default-src 'self'" in page.headers["Content-Security-Policy"]
            shown = await screen_text(s, web)
            assert "Bo Freelancer" in shown and "Logo refresh" in shown  # bo's contract
            assert "Mobile app" not in shown and "translation" not in shown  # di's
            out = await s.post(f"{web}/logout", allow_redirects=False)
            assert out.status == 303
            assert (await s.get(f"{web}/ws")).status == 403
    asyncio.run(scenario())
