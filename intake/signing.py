"""Provides the rules both front ends and the renderer use for who may sign: the client, or someone in a capacity."""

from __future__ import annotations

import unicodedata

#: Who signs: the client for themselves, or a parent/guardian or a legal representative for them.
CAPACITIES = ("client", "guardian", "representative")
CAPACITY_WORDS = {"client": "the client", "guardian": "parent or guardian", "representative": "legal representative"}


def same_name(typed: str, expected: str) -> bool:
    """Whether a typed name is the name given, ignoring case, accents' composition and extra spaces."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return bool(norm(typed)) and norm(typed) == norm(expected)


def guardian_required(age: int | None, adult_age: int, minors_policy: str) -> bool:
    """Whether a parent or guardian must sign: the client is under the adult age and the policy asks for consent."""
    return age is not None and age < adult_age and minors_policy == "clearance"


def signer_problem(name: str, client_name: str, capacity: str = "client", relationship: str = "", *,
                   guardian_needed: bool = False) -> str | None:
    """Why this signer may not sign the client's consent as given; None when they may.

    Args:
        name: the signer's name (typed, or printed under a drawn signature).
        client_name: the client's name from the answers.
        capacity: "client", "guardian" or "representative".
        relationship: for a guardian or representative, how they relate to the client (e.g. mother).
        guardian_needed: the client is a minor whose consent a parent or guardian gives (see guardian_required).
    """
    if capacity not in CAPACITIES:
        return f"the signer's capacity must be one of {', '.join(CAPACITIES)}, not {capacity!r}."
    if capacity == "client":
        if guardian_needed:
            return (f"{client_name} is under the clinic's adult age, so a parent or guardian signs for them: give "
                    "the capacity 'guardian' and their relationship (for example mother, father, legal guardian).")
        if relationship.strip():
            return "a client signing for themselves has no relationship; leave it out, or give the capacity."
        if not same_name(name, client_name):
            return (f"{name!r} is not the client's name ({client_name}). The client signs with their own name; "
                    "someone signing for the client gives their capacity (guardian or representative) and "
                    "their relationship to the client.")
        return None
    if guardian_needed and capacity != "guardian":
        return f"{client_name} is under the clinic's adult age: a parent or guardian signs, in the capacity 'guardian'."
    if not relationship.strip():
        return (f"a {CAPACITY_WORDS[capacity]} signing for {client_name} must say how they are related to them "
                "(for example mother, father, legal guardian, attorney).")
    if same_name(name, client_name):
        return (f"the {CAPACITY_WORDS[capacity]} signing for {client_name} must sign with their own name, "
                "not the client's.")
    return None
