"""Provides the command line's staff credential: who acts (`--staff`), proved by a PIN from a terminal or stdin.

Every staff act on the command line (decide, correct, countersign, reprint, export, erase, staff changes,
key rotation) asks for the credential of the person doing it, without echo on a terminal, or reads it
from the first line of standard input with `--pin-stdin` (for scripts). Without a terminal and without
`--pin-stdin` the command refuses and writes nothing. The check itself is the core's
(`intake.lifecycle.auth.authenticate`): the same rules, back-off and audit as the wizard's PIN pad.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.lifecycle.auth import Authenticated, StaffAct
    from intake.records.interface import RecordStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds --staff and --pin-stdin to a command that needs a staff credential."""
    parser.add_argument("--staff", metavar="ID", help="your staff account (default: the account linked to "
                        "--practitioner, or found from the PIN)")
    parser.add_argument("--pin-stdin", action="store_true",
                        help="read your PIN or passphrase from the first line of standard input (for scripts)")


def read_credential(args: argparse.Namespace, who: str = "your") -> str:
    """The credential typed for this command: stdin's first line with --pin-stdin, else a hidden prompt.

    Raises:
        AuthenticationError: no terminal to ask on and no --pin-stdin.
    """
    from intake.lifecycle.auth import AuthenticationError

    if getattr(args, "pin_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AuthenticationError("this needs a staff PIN: run it in a terminal to be asked, or pass --pin-stdin and "
                                  "give the PIN on standard input. Nothing was changed.")
    try:
        return getpass.getpass(f"{who.capitalize()} PIN or passphrase: ")
    except (EOFError, KeyboardInterrupt):
        raise AuthenticationError("no PIN was given; nothing was changed.") from None


def authenticate(store: RecordStore, args: argparse.Namespace, act: StaffAct, device: str, *,
                 practitioner_id: str | None = None) -> Authenticated:
    """Proves who runs this command and that they may do `act` (as `practitioner_id`, for a practitioner's act).

    The person is `--staff`, or else the staff account linked to `practitioner_id`, or else whoever the PIN
    belongs to.

    Raises:
        AuthenticationError: refused (wrong, missing or paused credential; not allowed); audited.
    """
    from intake.lifecycle.auth import authenticate as check

    staff_id = getattr(args, "staff", None) or _account_of(store, practitioner_id)
    credential = read_credential(args, f"{staff_id}'s" if staff_id else "your")
    return check(store, credential, act, device, staff_id=staff_id, practitioner_id=practitioner_id)


def _account_of(store: RecordStore, practitioner_id: str | None) -> str | None:
    """The active staff account linked to a practitioner id (one person, one account), or None."""
    if not practitioner_id:
        return None
    linked = [m.staff_id for m in store.staff.members() if m.practitioner_id == practitioner_id]
    return linked[0] if len(linked) == 1 else None
