"""Provides the errors that intake explains to people instead of showing a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class IntakeError(Exception):
    """A problem a person can act on. The CLI prints it and exits with `exit_code`."""

    exit_code = 1


@dataclass(frozen=True)
class FileProblem:
    """One problem inside a data file: where it is, what is wrong, and how to fix it."""

    path: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"at {self.path}: {self.problem}"
        return f"{text}\n      fix: {self.fix}" if self.fix else text


class DataFileError(IntakeError):
    """A questionnaire, rules, treatment or configuration file is malformed."""

    def __init__(self, file: Path | str, problems: list[FileProblem]):
        self.file = str(file)
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{self.file}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class InputFileError(IntakeError):
    """A file given on the command line cannot be read as JSON at all."""


class InvalidRecordError(IntakeError):
    """A record failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(f"the intake record has {count} problem{'s' if count != 1 else ''}")
