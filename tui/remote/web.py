"""`milestones serve`: the TUI in a browser, behind a login page.

textual-serve, subclassed: its page and websocket are served only to a browser that
logged in. A login checks the password (argon2id, rate-limited, audited: rules/
identity.py) and opens a session; the browser keeps its token in a signed, HttpOnly,
SameSite=Strict cookie, and the TUI process started for its websocket acts as that
session's account. The page loads nothing from outside this server (a Content
Security Policy says so to the browser too), and no route writes a file on the host.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import secrets
import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from rules.errors import RuleError
from tui.remote import session_environment, tui_command

log = logging.getLogger("milestones.web")
COOKIE = "milestones_session"
TITLE = "Milestones"
_OUTSIDE_LINK = re.compile(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*/>\s*", re.DOTALL)
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self' {ws}; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Milestones: log in</title>
<style>
body {{ background: #0c181f; color: #eee; font-family: menlo, monospace;
       display: flex; justify-content: center; margin-top: 12vh; }}
form {{ background: #12232d; padding: 32px; width: 22em; }}
label, input, button {{ display: block; width: 100%; margin-top: 8px; font: inherit; }}
input {{ padding: 6px; box-sizing: border-box; }}
button {{ margin-top: 20px; padding: 10px; background: #5e0ba7; color: #fff; border: 0; }}
.refusal {{ color: #ff8a80; margin-top: 16px; }}
</style></head><body>
<form method="post" action="/login">
<h1>Milestones</h1>
<label for="login">Login</label>
<input id="login" name="login" autocomplete="username" autofocus value="{login}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Log in</button>
{refusal}
</form></body></html>"""


class WebAppService(AppService):
    """One browser session's TUI process, run as the session's account."""

    def __init__(self, command: str, token: str, **kwargs) -> None:
        super().__init__(command, **kwargs)
        self._token = token

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return session_environment(self._token, super()._build_environment(width, height))


class MilestonesWebServer(Server):
    def __init__(self, db_url: str, *, host: str, port: int,
                 sweep_every: float | None = None) -> None:
        super().__init__(tui_command(db_url, sweep_every), host=host, port=port, title=TITLE)
        self._secret = secrets.token_bytes(32)  # signs cookies; a restart logs all out

    # --- the cookie: the session token, signed ------------------------------------

    def _sign(self, token: str) -> str:
        mac = hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()
        return f"{token}.{mac}"

    def _token(self, request: web.Request) -> str | None:
        """The session token of a valid, signed cookie whose session is still open."""
        from rules.identity import session_open
        value = request.cookies.get(COOKIE, "")
        token, _, mac = value.rpartition(".")
        if not token or not hmac.compare_digest(self._sign(token), value):
            return None
        return token if session_open(token) else None

    async def _session(self, request: web.Request) -> str | None:
        return await asyncio.to_thread(self._token, request)

    # --- routes ----------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        # textual-serve's routes but its downloads: this app delivers no files.
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/login", self.handle_login_form, name="login"),
            web.post("/login", self.handle_login),
            web.post("/logout", self.handle_logout, name="logout"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        return app

    async def on_startup(self, app: web.Application) -> None:
        log.info("Milestones in a browser on %s", self.public_url)

    def _login_page(self, login: str = "", refusal: str = "", status: int = 200):
        shown = f'<p class="refusal">{html.escape(refusal)}</p>' if refusal else ""
        return web.Response(text=LOGIN_PAGE.format(login=html.escape(login), refusal=shown),
                            status=status, content_type="text/html",
                            headers={"Content-Security-Policy": CSP.format(ws=""),
                                     "Cache-Control": "no-store"})

    async def handle_login_form(self, request: web.Request) -> web.StreamResponse:
        return self._login_page()

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        from rules.identity import open_session, password_login
        form = await request.post()
        login, password = str(form.get("login", ""))[:64], str(form.get("password", ""))
        address = request.remote or ""

        def log_in() -> str:
            account = password_login(login, password, address)
            return open_session(account, "web", address)
        try:
            token = await asyncio.to_thread(log_in)
        except RuleError as refusal:
            return self._login_page(login, f"{refusal.message} [{refusal.rule_id}]", 401)
        response = web.HTTPSeeOther("/")
        response.set_cookie(COOKIE, self._sign(token), httponly=True, samesite="Strict",
                            secure=self.public_url.startswith("https"), path="/")
        return response

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        from rules.identity import end_session
        token = await self._session(request)
        if token:
            await asyncio.to_thread(end_session, token)
        response = web.HTTPSeeOther("/login")
        response.del_cookie(COOKIE, path="/")
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if await self._session(request) is None:
            raise web.HTTPSeeOther("/login")
        context = await super().handle_index.__wrapped__(self, request)
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        page = _OUTSIDE_LINK.sub("", page)  # textual-serve's page loads a web font
        ws = context["app_websocket_url"].rsplit("/ws", 1)[0]
        return web.Response(text=page, content_type="text/html",
                            headers={"Content-Security-Policy": CSP.format(ws=ws),
                                     "Cache-Control": "no-store"})

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """textual-serve's handler, with the session's token for the TUI process; a
        browser that has not logged in gets no websocket (and no process)."""
        token = await self._session(request)
        if token is None:
            raise web.HTTPForbidden(text="Log in first.")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = WebAppService(self.command, token, write_bytes=websocket.send_bytes,
                                    write_str=websocket.send_str, close=websocket.close,
                                    download_manager=self.download_manager,
                                    debug=False)
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # noqa: BLE001 - logged here, never shown to the visitor
            log.exception(error)
        return websocket


def serve_web(db_url: str, *, host: str, port: int, sweep_every: float | None) -> int:
    """Serve until ctrl+c (or SIGTERM)."""
    server = MilestonesWebServer(db_url, host=host, port=port, sweep_every=sweep_every)
    print(f"Milestones in a browser: http://{host}:{port} (log in with an account's "
          "password; ctrl+c stops)", flush=True)
    server.serve()
    return 0

