"""Provides the rules both front ends and the renderer use for who may sign: the client, or someone in a capacity.

Who may consent is decided by the legal age alone ([policy] legal_age): a client under it is a minor,
for whom only a parent or guardian may sign (capacity "guardian"), and must when the minors policy is
"clearance"; under "allow" the minor signs for themselves, or the guardian for them. A client of the
legal age or over signs for themselves, or a legal representative (an attorney, a court-appointed
deputy) signs for them; never a parent or guardian, who cannot consent for an adult.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, cast

from intake.conditions import AgeBand, AgePolicy

#: Who signs: the client for themselves, or a parent/guardian or a legal representative for them.
Capacity = Literal["client", "guardian", "representative"]
CAPACITIES: tuple[Capacity, ...] = ("client", "guardian", "representative")
CAPACITY_WORDS = {"client": "the client", "guardian": "parent or guardian", "representative": "legal representative"}
#: The questions (shown for a client under the legal age, as the clinic's data says) that name the parent or
#: guardian.
GUARDIAN_NAME_QUESTION = "guardian_name"
GUARDIAN_RELATIONSHIP_QUESTION = "guardian_relationship"


def statement_kind(kind: str, capacity: str) -> str:
    """The statement a signer affirms (templates/statements.json): the client's own for 'consent' or
    'photo_consent', or the one for signing as their parent or guardian, or as their legal representative."""
    return {"guardian": f"{kind}_on_behalf", "representative": f"{kind}_as_representative"}.get(capacity, kind)


def capacity_of(signature: Any) -> Capacity:
    """A checked signature's capacity as the Capacity it is."""
    if signature.capacity not in CAPACITIES:
        raise ValueError(f"unknown signer capacity {signature.capacity!r}")
    return cast(Capacity, signature.capacity)


def same_name(typed: str, expected: str) -> bool:
    """Whether a typed name is the name given, ignoring case, accents' composition and extra spaces."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return bool(norm(typed)) and norm(typed) == norm(expected)


def guardian_required(age: int | None, policy: AgePolicy) -> bool:
    """Whether a parent or guardian must sign: the client is under the legal age and the policy asks for consent."""
    return policy.band(age) == "minor" and policy.minors == "clearance"


def guardian_of(questionnaire: Any, answers: Mapping[str, Any], language: str = "en") -> tuple[str, str] | None:
    """The parent or guardian named in the answers, as (name, relationship in words), or None.

    A front end signs a minor's consent with Signature(..., name, capacity="guardian", relationship=...).
    """
    name = answers.get(GUARDIAN_NAME_QUESTION)
    if not isinstance(name, str) or not name.strip():
        return None
    question = questionnaire.by_id.get(GUARDIAN_RELATIONSHIP_QUESTION)
    value = answers.get(GUARDIAN_RELATIONSHIP_QUESTION)
    relationship = questionnaire.display(question, value, language).lower() if question and value else ""
    return name, relationship


def signer_problem(name: str, client_name: str, capacity: str = "client", relationship: str = "", *,
                   guardian_needed: bool = False, guardian_name: str | None = None,
                   band: AgeBand = "unknown") -> str | None:
    """Why this signer may not sign the client's consent as given; None when they may.

    Args:
        name: the signer's name (typed, or printed under a drawn signature).
        client_name: the client's name from the answers.
        capacity: "client", "guardian" or "representative".
        relationship: for a guardian or representative, how they relate to the client (e.g. mother).
        guardian_needed: the client is a minor whose consent a parent or guardian gives (see guardian_required).
        guardian_name: the parent or guardian named in the answers, if any: a guardian signs with that name.
        band: where the client's age falls (AgePolicy.band): a parent or guardian signs only for a "minor",
            a legal representative only for someone of the legal age or over.
    """
    if capacity not in CAPACITIES:
        return f"the signer's capacity must be one of {', '.join(CAPACITIES)}, not {capacity!r}."
    if capacity == "client":
        if guardian_needed:
            return (f"{client_name} is under the age to consent for themselves, so a parent or guardian signs for "
                    "them: give the capacity 'guardian' and their relationship (for example mother, father, legal "
                    "guardian).")
        if relationship.strip():
            return "a client signing for themselves has no relationship; leave it out, or give the capacity."
        if not same_name(name, client_name):
            return (f"{name!r} is not the client's name ({client_name}). The client signs with their own name; "
                    "someone signing for the client gives their capacity (guardian or representative) and "
                    "their relationship to the client.")
        return None
    if guardian_needed and capacity != "guardian":
        return (f"{client_name} is under the age to consent for themselves: a parent or guardian signs, in the "
                "capacity 'guardian'.")
    if capacity == "guardian" and band in ("young_adult", "adult"):
        return (f"{client_name} is of the age to consent for themselves: a parent or guardian cannot consent for "
                "them. The client signs, or a legal representative in the capacity 'representative'.")
    if capacity == "representative" and band == "minor":
        return (f"{client_name} is under the age to consent for themselves: a parent or guardian signs for them, in "
                "the capacity 'guardian'.")
    if not relationship.strip():
        return (f"a {CAPACITY_WORDS[capacity]} signing for {client_name} must say how they are related to them "
                "(for example mother, father, legal guardian, attorney).")
    if same_name(name, client_name):
        return (f"the {CAPACITY_WORDS[capacity]} signing for {client_name} must sign with their own name, "
                "not the client's.")
    if capacity == "guardian" and guardian_name and not same_name(name, guardian_name):
        return (f"{name!r} is not the parent or guardian named in the answers ({guardian_name}); the guardian who "
                "gave their details signs, or correct the answers first.")
    return None

def _mark(signature: Any) -> tuple[Any, ...]:
    """What makes two signatures the same: how and by whom they were made, and the strokes drawn."""
    strokes = tuple(tuple((float(x), float(y)) for x, y in stroke) for stroke in signature.strokes)
    return signature.method, signature.name, strokes, signature.capacity, signature.relationship


def photo_signature_problem(consent: Any, photo: Any) -> str | None:
    """Why a photo-consent signature may not stand beside this consent signature; None when it may.

    The photo consent is its own act: the signer signs it again, or chooses to use the same signature
    (`same_as_consent`), which must then be that very signature. A drawn photo signature identical to
    the consent's without that choice would be a silent copy. (Typing the same name twice is two acts.)

    Args:
        consent: the treatment consent's Signature.
        photo: the photo consent's Signature, or None.
    """
    if photo is None:
        return None
    if photo.same_as_consent:
        if _mark(photo) != _mark(consent):
            return ("the photo consent is marked as signed with the same signature as the treatment consent, but "
                    "it is another signature: sign the photo consent, or choose the same signature again.")
        return None
    if consent.method == photo.method == "drawn" and _mark(photo) == _mark(consent):
        return ("the photo consent's drawn signature is a copy of the treatment consent's: the signer signs the "
                "photo consent, or chooses to use the same signature (recorded as that choice).")
    return None
