"""Provides `intake audit verify`: the tamper-evident trail checked entry by entry, and against the sealed documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from intake.cli import EXIT_INVALID, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `audit`."""
    audit = subparsers.add_parser("audit", help="check the tamper-evident audit trail")
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = sub.add_parser("verify", help="check every audit entry; names any entry changed, deleted, added or moved")
    p.add_argument("--documents", nargs="?", const="", default=None, metavar="FOLDER",
                   help="also read the sealed documents in FOLDER (default: the configured documents folder): "
                        "each carries where the trail stood at its sealing, so a trail older than any of them shows")
    p.set_defaults(handler=cmd_audit_verify)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """intake audit verify [--documents [FOLDER]]"""
    from intake.config import load_config
    from intake.records import open_store

    with open_store(load_config(args.config)) as store:
        report = store.verify_audit()
        status = _print_trail(report)
        if args.documents is not None:
            status = max(status, _documents_witness(args, store))
    return status


def _print_trail(report) -> int:
    """Prints the trail's own check; EXIT_INVALID when it found problems."""
    if report.ok:
        anchored = not any(note.startswith("rollback detection is off") for note in report.notes)
        tables = "; every table matches the checkpoint kept outside the data folder" if anchored else ""
        print(f"Audit trail OK: {report.entries} entries, none changed, deleted, added or moved{tables}. "
              f"Latest hash {report.head}.")
        for note in report.notes:
            print(f"  Note: {note}.")
        return EXIT_OK
    print(f"AUDIT TRAIL DAMAGED: {len(report.problems)} problem(s) in {report.entries} entries.")
    for problem in report.problems:
        print(f"  - {problem.kind.upper()}: {problem.message}")
    for note in report.notes:
        print(f"  Note: {note}.")
    print("Keep this output. Compare the data folder with a backup to see what was changed.")
    return EXIT_INVALID


def _documents_witness(args: argparse.Namespace, store) -> int:
    """Prints what the sealed documents of a folder say about the trail; EXIT_INVALID when one proves it older."""
    from intake.lifecycle.witnesses import check_documents

    folder = Path(args.documents).expanduser() if args.documents else \
        store.config.path("documents", "out_dir", "intake-documents")
    if folder is None or not folder.is_dir():
        print(f"intake: no documents folder at {folder}; name one with --documents FOLDER.", file=sys.stderr)
        return EXIT_INVALID
    found = check_documents(store.audit_trail(), folder.rglob("*.pdf"), store.config)
    print(f"Documents in {folder}: {found.checked} PDF file(s) read, {found.witnesses} carrying the trail's "
          "position at their sealing.")
    for skipped in found.skipped:
        print(f"  Not counted: {skipped}.")
    if not found.problems:
        print("  The trail holds every position they were sealed against.")
        return EXIT_OK
    print(f"AUDIT TRAIL OLDER THAN ITS DOCUMENTS: {len(found.problems)} document(s) prove it.")
    for problem in found.problems:
        print(f"  - ROLLBACK: {problem}.")
    print("Keep this output. The records were restored from an older copy or rewritten; compare them with your "
          "backups before anything else is recorded.")
    return EXIT_INVALID
