"""Provides the errors raised while rendering, sealing and verifying documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intake.errors import IntakeError, InvalidRecordError


class DocumentError(IntakeError):
    """A document cannot be produced or checked; the message says why and what to do."""


class RecordNotReadyError(InvalidRecordError, DocumentError):
    """The record is not valid, so no document may be rendered from it."""

    def __init__(self, problems: Sequence[Any], limit: int = 8) -> None:
        super().__init__(list(problems))
        lines = [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  - ... and {len(self.problems) - limit} more (run `intake validate` to see them all)")
        count = len(self.problems)
        self.args = (
            f"cannot render documents: the intake record has {count} problem{'s' if count != 1 else ''}. "
            "Correct the answers and render again.\n" + "\n".join(lines),
        )

    def __str__(self) -> str:
        return str(self.args[0])


class ConsentRefusedError(DocumentError):
    """A consent form was asked for although the assessment does not allow treatment."""


class SignatureInputError(DocumentError):
    """A signature or countersignature given to the renderer is incomplete or malformed."""


class TemplateProblemError(DocumentError):
    """A document template is broken, uses an unknown value, or tried to load a resource."""


class SealKeyError(DocumentError):
    """The clinic's seal key or certificate is missing, unreadable or unsuitable."""


class KeyExistsError(SealKeyError):
    """A key file to be created already exists and was left alone (`intake keys init` reports it as a note)."""

    already_exists = True


class OutputError(DocumentError):
    """Finished documents could not be written to the output folder."""


class VerificationFailed(DocumentError):
    """A document did not pass `intake verify`; the message gives the reason."""
