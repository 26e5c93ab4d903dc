"""Provides who signs an intake's consent: the client, or a parent or guardian (or representative) for them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from intake.engine import Engine
from intake.lifecycle.model import Intake, LifecycleError
from intake.signing import guardian_of, guardian_required, photo_signature_problem, signer_problem
from intake.signing import statement_kind as signing_statement_kind

if TYPE_CHECKING:
    from intake.documents.model import Signature

NAME_QUESTION = "full_name"


def _age(intake: Intake) -> int | None:
    return intake.assessment.age if intake.assessment else None


def guardian_needed(engine: Engine, intake: Intake) -> bool:
    """True when a parent or guardian must sign (under the legal age, `[policy] minors = "clearance"`)."""
    return guardian_required(_age(intake), engine.config.age_policy)


def signer(engine: Engine, intake: Intake) -> tuple[str, str, str]:
    """Who signs, as (name, capacity, relationship).

    The client signs for themselves; a client under the legal age whose consent the clinic's policy gives
    to a parent or guardian is signed for by the guardian named in the answers.
    """
    if guardian_needed(engine, intake):
        found = guardian_of(engine.questionnaire, intake.answers, engine.language)
        if found is not None:
            return found[0], "guardian", found[1]
    return intake.answers.get(NAME_QUESTION, ""), "client", ""


def statement_kind(kind: str, capacity: str) -> str:
    """The statement a signer affirms in their capacity (intake.signing.statement_kind)."""
    return signing_statement_kind(kind, capacity)


def check_signer(engine: Engine, intake: Intake, name: str, capacity: str, relationship: str) -> None:
    """Refuses a signer who may not sign this client's consent (one rule: intake.signing.signer_problem).

    Raises:
        LifecycleError: with the reason, in plain words.
    """
    guardian = guardian_of(engine.questionnaire, intake.answers, engine.language)
    problem = signer_problem(name, intake.answers.get(NAME_QUESTION, ""), capacity, relationship,
                             guardian_needed=guardian_needed(engine, intake),
                             guardian_name=guardian[0] if guardian else None,
                             band=engine.config.age_policy.band(_age(intake)))
    if problem:
        raise LifecycleError(problem)


def same_for_photos(consent: Signature, statement: str, signed_at: datetime) -> Signature:
    """The photo consent signed with the consent's own signature, because the signer chose so.

    The choice is the act: the same strokes or typed name, the photo consent's statement (`statement`,
    the on-behalf one for a guardian) and the time of the choice, marked `same_as_consent` so the kept
    signatures, the audit entry and the photo consent page all say so.
    """
    return replace(consent, intent_statement=statement, signed_at=signed_at, same_as_consent=True)


def check_photo(consent: Signature, photo: Signature | None) -> None:
    """Refuses a photo-consent signature copied from the consent without the signer's choice.

    Raises:
        LifecycleError: saying why (intake.signing.photo_signature_problem).
    """
    problem = photo_signature_problem(consent, photo)
    if problem:
        raise LifecycleError(problem)
