"""Provides print_files: documents sent to the clinic's configured print command."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from intake.errors import IntakeError


def print_files(command: str | None, paths: Sequence[Path]) -> str:
    """Runs the print command for the files (blocking) and says what was sent.

    A `{file}` in the command is replaced by each file in turn; otherwise the files are appended.

    Raises:
        IntakeError: no print command, or it failed.
    """
    if not command:
        raise IntakeError("No print command is configured (documents.print_command).")
    words = shlex.split(command)
    runs = ([[w.replace("{file}", str(p)) for w in words] for p in paths] if "{file}" in command
            else [words + [str(p) for p in paths]])
    for argv in runs:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise IntakeError(f"Printing failed: {exc}.") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
            raise IntakeError(f"Printing failed (exit {done.returncode}): {detail[0]}")
    return f"Sent {len(paths)} document(s) to the printer."
