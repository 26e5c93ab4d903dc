"""Provides the plain prompts' one way to ask a member of staff for their PIN: a few tries, each refusal said."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.lifecycle.auth import AuthenticationError

if TYPE_CHECKING:
    from intake.lifecycle import Lifecycle
    from intake.lifecycle.auth import Authenticated, StaffAct
    from intake.prompt.prompter import Prompter

#: Tries at the PIN before the part that asked for it stops (the store pauses a device after three wrong ones).
PIN_TRIES = 3


def proved(prompter: Prompter, life: Lifecycle, act: StaffAct, device: str, *, key: str, message: str,
           practitioners_only: str | None = None) -> Authenticated | None:
    """The member of staff whose PIN or passphrase was typed, allowed `act` on `device`; None after PIN_TRIES.

    Args:
        key: the prompt's key; message: what it asks (the PIN is never shown).
        practitioners_only: when set, what only a practitioner does (e.g. "decides and countersigns"): a
            front-desk account is told so, and the practitioner is asked for their own PIN.
    """
    for _ in range(PIN_TRIES):
        credential = prompter.secret(key, message)
        try:
            who = life.authenticate(credential, act, device)
        except AuthenticationError as exc:
            prompter.say(str(exc))
            continue
        if practitioners_only and who.role == "front_desk":
            prompter.say(f"{who.name} is front-desk staff: only a practitioner {practitioners_only}. The "
                         "practitioner types their own PIN.")
            continue
        return who
    return None
