"""Provides the one check every staff act goes through: who is acting, proved by their own credential.

Front ends and commands never decide who someone is: they collect a credential (the wizard's PIN pad,
a hidden prompt in `intake ask`, a terminal prompt or `--pin-stdin` on the command line) and call
`authenticate`, which answers with an `Authenticated` person or refuses in plain words. Every act
that changes or reveals health data then takes that person (`Authenticated.check(act, practitioner)`),
so a decision, correction or countersignature is always attributed to the one who proved it.

- With **staff accounts** (`intake staff add`), the credential is the person's own PIN or passphrase;
  a practitioner's account is linked to their `[[practitioners]]` id and only that person's credential
  acts as that practitioner; front-desk accounts cannot decide, correct or countersign.
- Without staff accounts, the clinic's **shared PIN** (`[kiosk] staff_pin_hash`) unlocks as
  "Staff (shared PIN)": it proves that someone on the staff acted, not who; a practitioner is named
  with it, and `intake check` warns. The demo PIN works only in a demo.
- Wrong credentials are counted in the store, per device and per person named, and pause further tries
  (`intake.records.staff.Attempts`, `RecordStore.staff`); every unlock, wrong credential and refused act is audited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args

from intake.credentials import DEMO_PINS, PinError, check_shared_pin, demo_allowed
from intake.errors import IntakeError
from intake.lifecycle.model import Actor

if TYPE_CHECKING:
    from intake.records.interface import RecordStore

#: The acts that need a staff credential.
StaffAct = Literal["unlock", "decide", "correct", "countersign", "discard", "reprint", "export", "erase", "staff",
                   "rotate", "visit", "treat"]
STAFF_ACTS: tuple[StaffAct, ...] = get_args(StaffAct)
#: Acts only a practitioner may do (as themselves).
PRACTITIONER_ACTS: frozenset[str] = frozenset({"decide", "correct", "countersign", "treat"})
#: What each act is called in a refusal.
ACT_WORDS = {"unlock": "unlock the staff screens", "decide": "record a clearance decision or an override",
             "correct": "correct an answer", "countersign": "countersign", "discard": "discard a draft",
             "reprint": "reprint documents", "export": "export health records", "erase": "erase a client's data",
             "staff": "change staff accounts", "rotate": "rotate the records key",
             "visit": "start or re-screen a further session", "treat": "record a treatment"}
SHARED_ID = "staff"  # intake.records.staff.SHARED_STAFF
SHARED_NAME = "Staff (shared PIN)"


class AuthenticationError(IntakeError):
    """A credential or an act was refused (wrong, missing, paused, not allowed for this person)."""

    exit_code = 1


@dataclass(frozen=True)
class Authenticated:
    """A staff member who proved who they are on a device.

    Attributes:
        staff_id: their account id ("staff" for the shared PIN).
        name: their name as documents print it.
        role: "practitioner", "front_desk", or "shared" (the shared PIN: someone on the staff).
        practitioner_id: the `[[practitioners]]` id their account is linked to (None for front desk and the
            shared PIN).
        device: where they proved it.
    """

    staff_id: str
    name: str
    role: str
    practitioner_id: str | None
    device: str

    @property
    def shared(self) -> bool:
        """True when the shared PIN was used: it proves someone on the staff, not who."""
        return self.role == "shared"

    @property
    def actor(self) -> Actor:
        """Who acted and where, for the audit trail."""
        return Actor(self.staff_id, self.device)

    def refusal(self, act: str, practitioner_id: str | None = None) -> str | None:
        """Why this person may not do `act` (as `practitioner_id`, for a practitioner's act), or None when they may."""
        if act not in PRACTITIONER_ACTS or self.shared:
            return None if act not in PRACTITIONER_ACTS or practitioner_id else \
                f"name the practitioner who is to {ACT_WORDS[act]}."
        if self.role != "practitioner" or self.practitioner_id is None:
            return (f"{self.name} is front-desk staff: only a practitioner may {ACT_WORDS[act]}. Ask the practitioner "
                    "to use their own PIN.")
        if practitioner_id and practitioner_id != self.practitioner_id:
            return (f"that credential is {self.name}'s: only {practitioner_id}'s own PIN may {ACT_WORDS[act]} as "
                    f"{practitioner_id}.")
        return None

    def acting_practitioner(self, act: str, practitioner_id: str | None = None) -> str:
        """The practitioner id an act is attributed to: their own, or the one named with the shared PIN.

        Raises:
            AuthenticationError: this person may not do the act, or as that practitioner.
        """
        reason = self.refusal(act, practitioner_id)
        if reason:
            raise AuthenticationError(reason)
        chosen = practitioner_id or self.practitioner_id
        assert chosen is not None  # refusal() asks for one where none is linked
        return chosen


def staff_accounts_exist(store: RecordStore) -> bool:
    """True once any staff account was added (disabled ones included): then only own credentials work."""
    return store.staff.exist()


def authenticate(store: RecordStore, credential: Any, act: StaffAct, device: str, *, staff_id: str | None = None,
                 practitioner_id: str | None = None) -> Authenticated:
    """Proves who is acting, and that they may do this act.

    Args:
        store: the open record store (staff accounts, wrong-PIN counts, audit trail).
        credential: the PIN or passphrase typed.
        act: what they are about to do.
        device: where it was typed.
        staff_id: who claims to be typing (the command line's --staff): only their credential is accepted.
        practitioner_id: for a practitioner's act, who it is done as.

    Raises:
        AuthenticationError: wrong, missing or paused credential, unknown or disabled person, or an act this
            person may not do (every refusal is audited).
    """
    from intake.records.staff import PinRefused

    if staff_accounts_exist(store):
        try:
            member = store.staff.authenticate(credential, device=device, staff_id=staff_id, act=act)
        except PinRefused as exc:
            raise AuthenticationError(str(exc)) from None
        who = Authenticated(member.staff_id, member.name, member.role, member.practitioner_id, device)
    else:
        who = _shared(store, credential, act, device, staff_id)
    reason = who.refusal(act, practitioner_id)
    if reason:
        refuse(store, who.staff_id, act, device, reason)
    return who


def refuse(store: RecordStore, staff_id: str, act: str, device: str, reason: str) -> NoReturn:
    """Audits a refused act and raises it.

    Raises:
        AuthenticationError: always, with the reason.
    """
    store.staff.refuse(staff_id, act, device)
    raise AuthenticationError(reason)


def _shared(store: RecordStore, credential: Any, act: str, device: str, staff_id: str | None) -> Authenticated:
    """The shared kiosk PIN, with its wrong tries counted in the store like anyone's."""
    from intake.records.staff import PinRefused

    config = store.config
    stored = config.section("kiosk").get("staff_pin_hash")
    if not stored:
        raise AuthenticationError("no staff can do this yet: add staff accounts with `intake staff add` (or set "
                                  "[kiosk] staff_pin_hash).")
    if staff_id not in (None, SHARED_ID):
        refuse(store, staff_id, act, device, f"there is no staff account {staff_id!r}: this clinic has no staff "
               "accounts yet, only the shared PIN (leave out --staff, or add accounts with `intake staff add`).")
    wait = store.staff.wait_seconds(device)
    if wait > 0:
        raise AuthenticationError(f"Too many wrong PINs. Try again in {math.ceil(wait)} seconds.")
    right = isinstance(credential, str) and check_shared_pin(credential, stored)
    if right and credential in DEMO_PINS and not demo_allowed(config):
        refuse(store, SHARED_ID, act, device, "The demo PIN unlocks only a demonstration. Add staff accounts with "
               "`intake staff add`, or set [kiosk] demo = true for a demonstration.")
    try:
        store.staff.record_shared(right, device=device, act=act, staff_id=staff_id)
    except PinRefused as exc:
        raise AuthenticationError(str(exc)) from None
    return Authenticated(SHARED_ID, SHARED_NAME, "shared", None, device)


def check_demo_pin(config: Any, credential: str) -> None:
    """Refuses the demo PIN outside a demo (for screens that check the shared PIN themselves).

    Raises:
        PinError: the demo PIN on a clinic that is not a demo.
    """
    if credential in DEMO_PINS and not demo_allowed(config):
        raise PinError("The demo PIN unlocks only a demonstration. Add staff accounts with `intake staff add`, "
                       "or set [kiosk] demo = true for a demonstration.")
