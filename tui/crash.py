"""Unexpected errors: the traceback goes to a log file in the platform's log folder
(platformdirs), the user reads one line with its path."""
from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

LOG_ENV = "MILESTONES_LOG_DIR"  # another folder (tests; a server's own log folder)


def log_dir() -> Path:
    if os.environ.get(LOG_ENV):
        return Path(os.environ[LOG_ENV])
    from platformdirs import user_log_dir
    return Path(user_log_dir("milestones"))


def write_crash_log(error: BaseException) -> Path:
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}.log"
    text = "".join(traceback.format_exception(error))
    path.write_text(f"Milestones crashed at {stamp} UTC (pid {os.getpid()}).\n\n{text}",
                    encoding="utf-8")
    return path


def report_crash(error: BaseException) -> str:
    """Log `error` and return the one line to show; never raises."""
    try:
        where = f"the details are in {write_crash_log(error)}"
    except OSError:
        where = "and the log folder could not be written"
    return f"stopped on an unexpected error ({type(error).__name__}); {where}."
