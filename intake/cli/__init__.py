"""Provides the `intake` command line: a thin dispatcher over subcommand modules.

Subcommand modules import nothing heavy at module level, so `intake --help` stays fast and never
loads WeasyPrint, Textual or jsonschema.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from intake import __version__

#: Modules that add subcommands; each has `register(subparsers)`.
COMMAND_MODULES = (
    "intake.cli.core_commands",
    "intake.cli.document_commands",
    "intake.cli.keys_commands",
    "intake.cli.records_commands",
    "intake.cli.audit_commands",
    "intake.cli.staff_commands",
    "intake.cli.prompt_commands",
    "intake.cli.tui_commands",
)

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="intake",
        description="Consultation intake, suitability screening and sealed consent documents "
        "for microneedling clinics.",
        epilog="Without --config, intake uses $INTAKE_CONFIG or the built-in demo clinic.",
    )
    parser.add_argument("--version", action="version", version=f"intake {__version__}")
    parser.add_argument("--config", metavar="FILE", help="clinic configuration (TOML)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _log_internal_error() -> Path | None:
    """Keeps the traceback of an unexpected error in a private file instead of showing it."""
    import secrets

    from intake.privatefile import write_private

    try:
        folder = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "intake"
        name = f"error-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.log"
        return write_private(folder / name, traceback.format_exc().encode("utf-8"), replace=False)
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the exit code."""
    from intake.errors import IntakeError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except IntakeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        for problem in getattr(exc, "problems", None) or ():  # a record's problems, each at its question
            print(f"  - {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nintake: cancelled.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback reaches staff
        log = _log_internal_error()
        where = f" Details were saved to {log}." if log else ""
        print(f"intake: internal error ({type(exc).__name__}). Nothing was changed.{where}", file=sys.stderr)
        return EXIT_INTERNAL
