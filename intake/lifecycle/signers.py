"""Provides who signs an intake's consent: the client, or a parent or guardian (or representative) for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from intake.engine import Engine
from intake.lifecycle.model import ClientSignatures, Intake, LifecycleError
from intake.signing import guardian_of, guardian_required, photo_signature_problem, signer_problem
from intake.signing import statement_kind as signing_statement_kind
from intake.text import check_name

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


def typed(engine: Engine, intake: Intake, kind: str, typed_name: str, capacity: str | None,
          relationship: str | None, statement: Callable[[str], str], signed_at: datetime) -> Signature:
    """A typed-name signature with the documents' statement, by the client or (given or from the answers) their
    parent, guardian or representative.

    Raises:
        LifecycleError: this signer may not sign for this client.
        TextInputError: the name is empty, too long or not plain text.
    """
    from intake.documents.model import Signature

    name = check_name(typed_name, "the typed signature")
    _, default_capacity, default_relationship = signer(engine, intake)
    capacity = capacity or default_capacity
    relationship = default_relationship if relationship is None and capacity == default_capacity \
        else (relationship or "")
    check_signer(engine, intake, name, capacity, relationship)
    return Signature("typed", name, statement(statement_kind(kind, capacity)), signed_at, capacity=capacity,
                     relationship=relationship)


def check_signatures(engine: Engine, intake: Intake, signatures: ClientSignatures, photo_needed: bool) -> None:
    """Refuses signatures that do not fit the intake: a photo signature missing or not wanted, a signer who may not.

    Raises:
        LifecycleError: naming what does not fit.
    """
    if photo_needed != (signatures.photo is not None):
        raise LifecycleError("the client agreed to photos, so the photo consent needs its own signature."
                             if photo_needed else
                             "the client did not agree to photos; there is no photo consent to sign.")
    for signature in (signatures.consent, signatures.photo):
        if signature is not None:
            check_signer(engine, intake, signature.name, signature.capacity, signature.relationship)
    check_photo(signatures.consent, signatures.photo)


def photo_uses(engine: Engine, intake: Intake, question_id: str = "photo_uses") -> str:
    """The photo uses the client chose, in words ("" when the questionnaire has no such question)."""
    question = engine.questionnaire.by_id.get(question_id)
    if question is None:
        return ""
    return engine.questionnaire.display(question, intake.answers.get(question_id), engine.language)
