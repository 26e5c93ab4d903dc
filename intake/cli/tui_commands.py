"""Provides the wizard subcommands: `start [--staff-desk]` and `pin-hash`."""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the wizard subcommands."""
    p = subparsers.add_parser("start", help="open the intake wizard in this terminal (a locked kiosk for clients)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--staff-desk", action="store_true",
                      help="an unlocked window for staff at their own desk: ctrl+q saves the draft and quits, "
                           "copying works; never hand this window to a client")
    mode.add_argument("--kiosk", action="store_true",
                      help="the default (kept for scripts): locked for a client tablet, only the staff PIN exits")
    p.set_defaults(handler=cmd_start)

    p = subparsers.add_parser("pin-hash", help="make the kiosk.staff_pin_hash line for a new staff PIN")
    p.set_defaults(handler=cmd_pin_hash)


def _clinic_name(config_file) -> str:
    """The clinic's name for the first screen, read without the full (slower) check that follows."""
    import tomllib

    try:
        with open(config_file, "rb") as handle:
            return str(tomllib.load(handle).get("clinic", {}).get("name", ""))[:120]
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        return ""


def load_engine(path):
    """Loads the clinic's engine (the wizard calls this in a thread once its first screen shows)."""
    from intake.engine import Engine

    return Engine.load(path)


def open_session(engine):
    """Opens the real record store and renderer for the wizard."""
    from intake.tui.session import IntakeSession

    return IntakeSession.open(engine)


def cmd_start(args: argparse.Namespace) -> int:
    """intake start [--staff-desk]: a locked kiosk unless staff ask for their desk window."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("intake start: the wizard needs a terminal (it was started without one). "
              "Run it in a terminal window, or use `intake validate` / `intake assess` for files.",
              file=sys.stderr)
        return EXIT_USAGE
    from intake.config import config_path
    from intake.tui.app import IntakeApp

    path = config_path(args.config)
    if not path.is_file():
        from intake.errors import DataFileError, FileProblem

        raise DataFileError(path, [FileProblem("(file)", "no such file", "check the --config path")])
    app = IntakeApp(lambda: load_engine(path), open_session, clinic=_clinic_name(path), kiosk=not args.staff_desk)
    app.run()
    if app.session is not None:
        app.session.close()
    return app.return_code or EXIT_OK


def cmd_pin_hash(args: argparse.Namespace) -> int:
    """intake pin-hash: asks for a PIN twice (not echoed) and prints the configuration line."""
    import getpass

    from intake.tui.pin import PIN_PATTERN, hash_pin

    first = getpass.getpass("New staff PIN (4 to 12 digits): ")
    if not PIN_PATTERN.fullmatch(first):
        print("intake pin-hash: a staff PIN must be 4 to 12 digits (0-9). Nothing was changed.", file=sys.stderr)
        return EXIT_INVALID
    if getpass.getpass("Type it again: ") != first:
        print("intake pin-hash: the two PINs differ. Nothing was changed.", file=sys.stderr)
        return EXIT_INVALID
    print("Put this line in the [kiosk] section of your clinic configuration:")
    print(f'staff_pin_hash = "{hash_pin(first)}"')
    return EXIT_OK
