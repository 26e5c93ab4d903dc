"""Provides `intake staff add|list|disable`: each staff member's own PIN and role, kept (audited) in the store."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

EXIT_OK, EXIT_INVALID = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `intake staff`."""
    staff = subparsers.add_parser("staff", help="staff accounts: each person's own PIN and role")
    actions = staff.add_subparsers(dest="staff_command", metavar="ACTION")
    p = actions.add_parser("add", help="add a staff member (PIN asked without echo, or read from stdin)")
    p.add_argument("staff_id", help="a short id, e.g. ajordan")
    p.add_argument("--name", required=True, help="the person's name as it appears on documents")
    p.add_argument("--role", required=True, choices=("front_desk", "practitioner"))
    p.add_argument("--practitioner", help="for a practitioner: their [[practitioners]] id in the configuration")
    p.add_argument("--pin-stdin", action="store_true", help="read from standard input (for scripts): your own PIN "
                   "on the first line (once staff accounts exist), then the new PIN")
    p.add_argument("--by", metavar="ID", help="your own staff account, proved by your PIN (needed once staff "
                   "accounts exist; the first account is added without one)")
    p.set_defaults(handler=cmd_add)
    p = actions.add_parser("list", help="list staff accounts")
    p.add_argument("--all", action="store_true", help="include disabled accounts")
    p.set_defaults(handler=cmd_list)
    p = actions.add_parser("disable", help="disable a staff account (its PIN stops working)")
    p.add_argument("staff_id")
    p.add_argument("--by", metavar="ID", help="your own staff account, proved by your PIN")
    p.add_argument("--pin-stdin", action="store_true", help="read your PIN from standard input (for scripts)")
    p.set_defaults(handler=cmd_disable)
    staff.set_defaults(handler=lambda args: staff.print_help() or 2)


def _open(args: argparse.Namespace):
    from intake.config import load_config
    from intake.records import open_store

    return open_store(load_config(args.config))


def _device(store) -> str:
    return store.config.section("kiosk").get("device") or "this computer"


def _read_pin(from_stdin: bool) -> str:
    from intake.errors import InputFileError

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InputFileError("no terminal to ask for the PIN: pass --pin-stdin and give the PIN on standard input.")
    first = getpass.getpass("New PIN or passphrase: ")
    if getpass.getpass("The same again: ") != first:
        raise InputFileError("the two PINs differ; nothing was added. Try again.")
    return first


def _acting(store, args: argparse.Namespace) -> str:
    """Who changes the staff accounts: proved by their own PIN once accounts exist; the login name before."""
    from intake.cli.credentials import read_credential
    from intake.lifecycle.auth import authenticate, staff_accounts_exist

    if not staff_accounts_exist(store):
        return os.environ.get("USER") or "staff"  # the first account: nobody can prove anything yet
    args.staff = args.by
    credential = read_credential(args, f"{args.by}'s" if args.by else "your")
    return authenticate(store, credential, "staff", _device(store), staff_id=args.by).staff_id


def cmd_add(args: argparse.Namespace) -> int:
    """intake staff add ID --name NAME --role ROLE [--practitioner ID] [--by ID] [--pin-stdin]"""
    from intake.records.staff import StaffDirectory

    with _open(args) as store:
        by = _acting(store, args)
        pin = _read_pin(args.pin_stdin)
        member = StaffDirectory(store).add(args.staff_id, name=args.name, role=args.role, pin=pin,
                                           practitioner_id=args.practitioner, by=by, device=_device(store))
    link = f", practitioner {member.practitioner_id}" if member.practitioner_id else ""
    print(f"Added {member.staff_id} ({member.name}, {member.role.replace('_', ' ')}{link}).")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """intake staff list [--all]"""
    from intake.records.staff import StaffDirectory

    with _open(args) as store:
        members = StaffDirectory(store).members(include_disabled=args.all)
    if not members:
        print("No staff accounts yet. Add one with `intake staff add ID --name NAME --role ROLE`.")
        return EXIT_OK
    print(f"{'ID':<16} {'ROLE':<13} {'PRACTITIONER':<14} {'STATE':<9} NAME")
    for m in members:
        print(f"{m.staff_id:<16} {m.role:<13} {m.practitioner_id or '-':<14} "
              f"{'active' if m.active else 'disabled':<9} {m.name}")
    return EXIT_OK


def cmd_disable(args: argparse.Namespace) -> int:
    """intake staff disable ID"""
    from intake.records.staff import StaffDirectory

    with _open(args) as store:
        StaffDirectory(store).disable(args.staff_id, by=_acting(store, args), device=_device(store))
    print(f"Disabled {args.staff_id}: their PIN no longer unlocks anything.")
    return EXIT_OK
