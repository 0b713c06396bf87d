"""`ssh -p 2222 LOGIN@host contracts list --json`: the CLI's verbs as SSH exec
requests, as soft-serve serves its commands. Only those verbs (REMOTE_COMMANDS)
run, as the key's account, on the server's database: no other command, and no option
that would choose another database or another user."""
from __future__ import annotations

import asyncio
import shlex
import sys

# The verbs of tui/cli/contracts.py, milestone_verbs.py, funding.py, offers.py, export.py
# and evidence.py.
REMOTE_COMMANDS = frozenset({"contracts", "fund", "submit", "request-changes", "release",
                             "take-back", "refund", "export", "evidence", "offers",
                             "funding"})

# Options the server decides (argparse also takes any unambiguous prefix: --d, --a),
# and the one that would write a file on the server (a served session writes none:
# `export` goes to the client's stdout).
_SERVER_OPTIONS = ("--db", "--as", "--output")
_REFUSED = ("Only these commands run over SSH: " + ", ".join(sorted(REMOTE_COMMANDS))
            + "; the server chooses the database and you are the key's account.\n")


def remote_argv(command: str, db_url: str) -> list[str] | None:
    """The process to run for `command`, or None if it is not one of the verbs."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or words[0] not in REMOTE_COMMANDS:
        return None
    for word in words:
        option = word.split("=", 1)[0]
        if len(option) > 2 and option.startswith("--") and any(
                full.startswith(option) for full in _SERVER_OPTIONS):
            return None
        if word.startswith("-") and not word.startswith("--") and word != "-h":
            return None  # -o FILE, -oFILE: no verb has another short option
    return [sys.executable, "-m", "tui.main", "--db", db_url, *words]


def refusal_text() -> bytes:
    return _REFUSED.encode()


async def run_verb(chan, argv: list[str], env: dict[str, str]) -> int:
    """Run one verb with its output streamed to the channel; returns its exit code."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)

    async def pump(stream, write) -> None:
        while chunk := await stream.read(65536):
            write(chunk)
    try:
        await asyncio.gather(pump(process.stdout, chan.write),
                             pump(process.stderr, chan.write_stderr))
        return await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
