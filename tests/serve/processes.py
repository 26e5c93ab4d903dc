"""The processes of a running `intake serve`: its renderer, its wizard template and the wizards."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

from intake.serve.template import READY_NAME


def children(pid: int) -> dict[int, str]:
    """The child processes of `pid`, with their command lines."""
    listed = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(line.split(" ", 1)[0]): line.split(" ", 1)[1] for line in listed.splitlines()}


def template_of(pid: int) -> int | None:
    """The server's wizard template (the process each wizard is forked from), if it runs."""
    return next((child for child, command in children(pid).items() if "intake.serve.template" in command), None)


def wizards(pid: int) -> list[int]:
    """The server's wizards: forked from its template, or (before the template is ready) started on their own."""
    template = template_of(pid)
    forked = list(children(template)) if template is not None else []
    return forked + [child for child, command in children(pid).items() if command.endswith("start --kiosk")]


def unix_sockets(pid: int) -> list[Path]:
    """The paths of the Unix sockets `pid` has open (its listening sockets among them)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    with open("/proc/net/unix") as table:
        rows = [line.split() for line in table.read().splitlines()[1:]]
    return [Path(row[7]) for row in rows if len(row) >= 8 and row[6] in inodes]


def wait_for_template(server_pid: int) -> int:
    """The template's pid once it is ready to fork (it has imported the wizard and loaded the clinic)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        template = template_of(server_pid)
        if template is not None and process_name(template) == READY_NAME:
            return template
        time.sleep(0.1)
    raise AssertionError("the wizard template did not become ready")


def process_name(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/comm").read_text().strip()
    return ""
