"""Provides the wizard subcommands: `start [--staff-desk]`, `serve [pair NAME]` and `pin-hash`."""

from __future__ import annotations

import argparse
import os
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

    p = subparsers.add_parser("serve", help="serve the kiosk wizard to tablet browsers (textual-serve)")
    p.add_argument("action", nargs="?", choices=("pair", "unpair", "devices"),
                   help="pair NAME: one-time code for a tablet; unpair NAME; devices: list paired tablets")
    p.add_argument("name", nargs="?", help="the tablet's name (recorded in the audit trail)")
    p.add_argument("--host", help="address to listen on (default: serve.host, else 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: serve.port, else 8420)")
    p.set_defaults(handler=cmd_serve)

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
    """Loads the clinic's engine (the wizard calls this in a thread once its first screen shows); a wizard
    forked by `intake serve` takes the one its template loaded, while the clinic's files are unchanged."""
    from intake.engine import Engine
    from intake.tui.warm import kept_engine

    return kept_engine(path) or Engine.load(path)


def open_session(engine):
    """Opens the real record store and renderer for the wizard.

    $INTAKE_DEVICE (set by `intake serve` to the paired tablet's name) names the device in the audit trail,
    before [kiosk] device and the host name.
    """
    from intake.tui.session import IntakeSession

    session = IntakeSession.open(engine)
    session.device = os.environ.get("INTAKE_DEVICE") or session.device
    return session


def cmd_start(args: argparse.Namespace) -> int:
    """intake start [--staff-desk]: a locked kiosk unless staff ask for their desk window."""
    if not (_web_driver() or (sys.stdin.isatty() and sys.stdout.isatty())):
        print("intake start: the wizard needs a terminal (it was started without one). "
              "Run it in a terminal window, or use `intake validate` / `intake assess` for files.",
              file=sys.stderr)
        return EXIT_USAGE
    from intake.config import config_path
    from intake.tui.app import IntakeApp

    app_class: type[IntakeApp] = IntakeApp
    if _web_driver():
        from intake.tui.web import WebIntakeApp

        app_class = WebIntakeApp

    path = config_path(args.config)
    if not path.is_file():
        from intake.errors import DataFileError, FileProblem

        raise DataFileError(path, [FileProblem("(file)", "no such file", "check the --config path")])
    app = app_class(lambda: load_engine(path), open_session, clinic=_clinic_name(path), kiosk=not args.staff_desk)
    app.run()
    if app.session is not None:
        app.session.close()
    return app.return_code or EXIT_OK


def _web_driver() -> bool:
    """True when textual-serve started this wizard for a browser (its web driver replaces the terminal)."""
    return os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver:")


def cmd_serve(args: argparse.Namespace) -> int:
    """intake serve [--host H] [--port P] | serve pair NAME | serve unpair NAME | serve devices"""
    from intake.config import config_path, load_config
    from intake.serve.settings import ServeSettings

    config = load_config(args.config)
    settings = ServeSettings.from_config(config.section("serve"), config.data_dir, host=args.host, port=args.port)
    if args.action:
        return _serve_devices(args, settings)
    if args.name:
        print(f"intake serve: unexpected {args.name!r}; did you mean `intake serve pair {args.name}`?",
              file=sys.stderr)
        return EXIT_USAGE
    settings.check()
    _preflight(config)
    from intake.serve.process import wizard_command
    from intake.serve.web import TabletServer

    source = config_path(args.config).resolve()
    TabletServer(wizard_command(source), settings, config.clinic["name"], renderer=source,
                 languages=config.languages, template=source).run()
    return EXIT_OK


def _preflight(config) -> None:
    """Refuses to serve a wizard that could not start: checks the clinic's data and opens its record store once."""
    from intake.engine import Engine
    from intake.errors import IntakeError
    from intake.records import open_store

    engine = Engine.load(config)
    if not config.section("kiosk").get("staff_pin_hash"):
        raise IntakeError("kiosk.staff_pin_hash is not set in the configuration; make one with `intake pin-hash` "
                          "and add it before serving tablets.")
    open_store(config, engine=engine).close()


def _serve_devices(args: argparse.Namespace, settings) -> int:
    from intake.serve.pairing import CODE_LIFETIME, Devices

    devices = Devices(settings.devices_file)
    if args.action == "devices":
        print("\n".join(devices.names()) or "No tablets are paired.")
        return EXIT_OK
    if not args.name:
        print(f"intake serve {args.action}: name the tablet, e.g. `intake serve {args.action} front-desk-1`.",
              file=sys.stderr)
        return EXIT_USAGE
    if args.action == "unpair":
        removed = devices.forget(args.name)
        print(f"Unpaired {removed} tablet(s) called {args.name!r}." if removed
              else f"No tablet is called {args.name!r}.")
        return EXIT_OK if removed else EXIT_INVALID
    code = devices.new_code(args.name)
    print(f"Pairing code for {args.name}: {code[:5]}-{code[5:]}")
    print(f"Open the clinic's intake address on the tablet and type this code within {CODE_LIFETIME // 60} minutes. "
          "It works once.")
    return EXIT_OK


def cmd_pin_hash(args: argparse.Namespace) -> int:
    """intake pin-hash: asks for a PIN twice (not echoed) and prints the configuration line."""
    import getpass

    from intake.credentials import PinError, check_new_credential, hash_shared_pin

    first = getpass.getpass("New shared staff PIN (6 to 12 digits): ")
    try:
        if not first.isdecimal():
            raise PinError("the shared kiosk PIN is digits only (staff accounts may use passphrases).")
        check_new_credential(first)
    except PinError as exc:
        print(f"intake pin-hash: {exc} Nothing was changed.", file=sys.stderr)
        return EXIT_INVALID
    if getpass.getpass("Type it again: ") != first:
        print("intake pin-hash: the two PINs differ. Nothing was changed.", file=sys.stderr)
        return EXIT_INVALID
    print("Put this line in the [kiosk] section of your clinic configuration:")
    print(f'staff_pin_hash = "{hash_shared_pin(first)}"')
    print("Better: give each person their own PIN with `intake staff add`; the shared PIN then stops working.")
    return EXIT_OK
