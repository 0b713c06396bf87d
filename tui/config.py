"""The configuration file: TOML in the platform's config folder (platformdirs), read
once per process. Precedence everywhere: flag > environment > this file > default.

```toml
database = "postgresql://milestones@db.internal/milestones"
theme = "textual-dark"        # saved when a theme is chosen in the palette
timezone = "Europe/Berlin"    # the time zone `accounts add` gives a new account
sweep_every = 30              # seconds; 0 turns the TUI's own sweep off
release_undo_minutes = 10     # a release is final this long after it is made; 0: at once

[ssh]
host = "0.0.0.0"
port = 2222
host_key = "/var/lib/milestones/ssh_host_ed25519_key"
idle_timeout = 1800           # seconds without a key; 0: never
max_sessions = 50

[web]
host = "127.0.0.1"
port = 8000

[keymap]                      # binding id = keys (Textual's keymap)
release = "ctrl+r"
```
"""
from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rules.release_terms import MAX_UNDO_MINUTES, UNDO_MINUTES  # X-30's limits (no models)

CONFIG_ENV = "MILESTONES_CONFIG"  # another file (tests, several setups side by side)


class ConfigError(Exception):
    """The config file cannot be used; said in one line with the file's path."""


@dataclass(frozen=True)
class SshSettings:
    host: str = "127.0.0.1"
    port: int = 2222
    host_key: str | None = None
    idle_timeout: float = 1800.0
    max_sessions: int = 50


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000


@dataclass(frozen=True)
class Config:
    path: Path
    database: str | None = None
    theme: str | None = None
    timezone: str | None = None
    sweep_every: float | None = None
    release_undo_minutes: int | None = None
    ssh: SshSettings = field(default_factory=SshSettings)
    web: WebSettings = field(default_factory=WebSettings)
    keymap: dict[str, str] = field(default_factory=dict)


def config_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    from platformdirs import user_config_dir
    return Path(user_config_dir("milestones")) / "config.toml"


_TYPES = {"database": str, "theme": str, "timezone": str, "sweep_every": (int, float),
          "release_undo_minutes": int}
_SSH_TYPES = {"host": str, "port": int, "host_key": str, "idle_timeout": (int, float),
              "max_sessions": int}
_WEB_TYPES = {"host": str, "port": int}


def _checked(table: dict, types: dict, where: str, path: Path) -> dict:
    values = {}
    for key, value in table.items():
        wanted = types.get(key)
        if wanted is None:
            raise ConfigError(f"{path}: unknown setting “{where}{key}”.")
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise ConfigError(f"{path}: “{where}{key}” has the wrong type.")
        values[key] = float(value) if wanted == (int, float) else value
    return values


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    ssh = data.pop("ssh", {})
    web = data.pop("web", {})
    keymap = data.pop("keymap", {})
    if not all(isinstance(t, dict) for t in (ssh, web, keymap)):
        raise ConfigError(f"{path}: [ssh], [web] and [keymap] are tables.")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()):
        raise ConfigError(f"{path}: each [keymap] entry is binding_id = \"keys\".")
    top = _checked(data, _TYPES, "", path)
    if not 0 <= top.get("release_undo_minutes", 0) <= MAX_UNDO_MINUTES:
        raise ConfigError(f"{path}: “release_undo_minutes” is from 0 (off) to "
                          f"{MAX_UNDO_MINUTES}.")
    return Config(path=path, **top,
                  ssh=SshSettings(**_checked(ssh, _SSH_TYPES, "ssh.", path)),
                  web=WebSettings(**_checked(web, _WEB_TYPES, "web.", path)),
                  keymap=dict(keymap))


UNDO_ENV = "MILESTONES_RELEASE_UNDO_MINUTES"


def release_undo_minutes(flag: int | None = None) -> int:
    """How long a person's release can be taken back (X-30): flag > environment > file
    > 10. Out of range from a flag is for rules/ to refuse (X-30), with its message."""
    if flag is not None:
        return flag
    if os.environ.get(UNDO_ENV):
        text = os.environ[UNDO_ENV].strip()
        if not text.isascii() or not text.isdigit() or int(text) > MAX_UNDO_MINUTES:
            raise ConfigError(f"{UNDO_ENV}: a whole number of minutes from 0 (off) to "
                              f"{MAX_UNDO_MINUTES}.")
        return int(text)
    chosen = load_config().release_undo_minutes
    return UNDO_MINUTES if chosen is None else chosen


@functools.cache
def load_config() -> Config:
    """The file's settings, or the defaults when there is no file."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    return parse_config(text, path)


_THEME_LINE = re.compile(r"^theme\s*=.*$", re.MULTILINE)


def save_theme(theme: str) -> Path:
    """Write `theme = "..."` into the file, keeping every other line and comment (a
    top-level key: first in the file, before any table)."""
    path = config_path()
    line = f"theme = {_quoted(theme)}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    head = text.split("\n[", 1)
    if _THEME_LINE.search(head[0]):
        head[0] = _THEME_LINE.sub(lambda _: line, head[0], count=1)
        text = "\n[".join(head)
    else:
        text = f"{line}\n{text}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    load_config.cache_clear()
    return path


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
