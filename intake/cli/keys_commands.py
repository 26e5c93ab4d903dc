"""Provides `intake keys init`: creates the clinic's keys on first use (the document seal, and more to come)."""

from __future__ import annotations

import argparse
import importlib
import os
import stat
import sys

EXIT_OK, EXIT_INVALID = 0, 1
#: the folder name intake.documents.keys keeps replaced seal certificates in (kept here to stay light)
RETIRED_DIR = "retired-seal-certificates"

#: What `intake keys init` creates, in order. Each entry names a function `(config, force) -> paths`
#: that raises an IntakeError with `already_exists = True` when its files are already there.
KEY_CREATORS = [
    "intake.documents.keys:create_seal_identity",
    "intake.records.crypto:create_data_key",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `intake keys`."""
    keys = subparsers.add_parser("keys", help="create the clinic's keys (document seal, records data key)")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    p = actions.add_parser("init", help="create the keys named in [security] that do not exist yet",
                           description="Creates every clinic key that does not exist yet: the self-signed "
                           "document seal (key file mode 0600 and certificate) and the records data key (0600). "
                           "Existing keys are left alone.")
    p.add_argument("--force", action="store_true",
                   help="replace existing keys (the replaced seal certificate is kept in a retired-seal-certificates "
                   "folder beside it, so earlier documents still verify)")
    p.set_defaults(handler=cmd_keys_init)
    _register_rotate(actions)
    keys.set_defaults(handler=lambda args: keys.print_help() or 2)


def _creator(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _mode(path) -> str:
    try:
        return f"{stat.S_IMODE(os.stat(path).st_mode):04o}"
    except OSError:
        return "?"


def cmd_keys_init(args: argparse.Namespace) -> int:
    """intake keys init [--force]"""
    from intake.config import load_config
    from intake.errors import IntakeError

    config = load_config(args.config)
    created, failed = 0, False
    for spec in KEY_CREATORS:
        try:
            result = _creator(spec)(config, args.force)
            paths = result if isinstance(result, (list, tuple)) else [result]
        except IntakeError as exc:
            if getattr(exc, "already_exists", False):
                print(f"kept: {exc}")
                continue
            print(f"intake: {exc}", file=sys.stderr)
            failed = True
            continue
        for path in paths:
            if os.path.basename(os.path.dirname(path)) == RETIRED_DIR:
                print(f"kept the earlier certificate: {path} (documents sealed with it still verify)")
            else:
                print(f"created: {path} (mode {_mode(path)})")
        created += 1
    if created:
        print("Keep a copy of the certificate (seal-cert.pem) with your records: it proves your documents years "
              "from now. Keep the private key backed up and readable only by the clinic's account.")
        if config.is_demo:
            print("These keys belong to the DEMO clinic: they are self-signed and not for clinical use.")
    return EXIT_INVALID if failed else EXIT_OK


def _register_rotate(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("rotate", help="replace the records data key, re-encrypting every record",
                           description="Makes a new records data key and re-encrypts every sealed value, search "
                           "token, audit hash and row seal with it in one transaction; the old key is kept as "
                           "<data_key_file>.retired-<time>. Safe to interrupt: the store opens with one of the two. "
                           "On a clinic group's server (PostgreSQL) every other site then needs a copy of the new "
                           "key file.")
    p.add_argument("--staff", default=os.environ.get("USER") or "staff", help="who rotates (for the audit trail)")
    p.set_defaults(handler=cmd_keys_rotate)


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """intake keys rotate"""
    from intake.config import load_config
    from intake.records.crypto import key_file
    from intake.records.rotate import rotate_data_key

    config = load_config(args.config)
    device = config.section("kiosk").get("device") or "this computer"
    old, new = rotate_data_key(config, staff=args.staff, device=device)
    print(f"Rotated the records data key: {old} -> {new}. Every record was re-encrypted. The old key is kept "
          "beside the new one as *.retired-<time>; back up the new key now.")
    if config.section("storage").get("engine", "sqlite") == "postgresql":
        print(f"These records are shared by the sites of a clinic group: copy the new key file ({key_file(config)}) "
              "to every other site's data_key_file (mode 0600). Until then those sites are refused, and write "
              "nothing.")
    return EXIT_OK
