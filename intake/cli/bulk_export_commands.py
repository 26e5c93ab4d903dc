"""Provides `intake records export --format bundle`: one client's or a date range's intakes, as a FHIR Bundle folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0


def _date(text: str | None, option: str) -> str | None:
    from intake.dates import parse_iso_date
    from intake.errors import IntakeError

    if text is None:
        return None
    day = parse_iso_date(text)
    if day is None:
        raise IntakeError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-20.")
    return day.isoformat()


def cmd_bulk_export(args: argparse.Namespace, open_store, staff_act) -> int:
    """intake records export --format bundle [--client CLIENT] [--from DATE] [--to DATE] --out FOLDER"""
    from intake.errors import IntakeError
    from intake.records.bulk import ExportScope, export_bulk

    if args.format != "bundle":
        raise IntakeError("--client, --from and --to export many intakes: use them with --format bundle.")
    if args.intake:
        raise IntakeError("--format bundle exports many intakes: leave out the ID and use --client or --from/--to "
                          "(or neither, for every intake).")
    if not args.out:
        raise IntakeError("--format bundle writes a folder: give a new folder with --out FOLDER.")
    since, until = _date(args.since, "--from"), _date(args.until, "--to")
    if since and until and since > until:
        raise IntakeError(f"--from {since} is after --to {until}.")
    with open_store(args) as store:
        who = staff_act(store, args, "export")
        client_id = None
        if args.client:
            client_id = args.client.strip().lower()
            if not client_id.startswith("c-"):
                intake = store.load_intake(store.resolve(client_id))
                if not intake.client_id:
                    raise IntakeError(f"intake {intake.intake_id} has no client (no name and date of birth yet).")
                client_id = intake.client_id
        scope = ExportScope(client_id, since, until)
        report = export_bulk(store, scope, Path(args.out), staff=who.staff_id, device=who.device)
    print(f"Exported {report.intakes} intake(s) of {report.clients} client(s) with {report.documents} sealed "
          f"document(s) ({scope.describe()}) to {report.folder}: bundle.json (FHIR R4 Bundle), questionnaire.json, "
          "records/, documents/, manifest.json, SHA256SUMS.", file=sys.stderr)
    if report.left_out:
        print(f"{report.left_out} intake(s) answered questions the current questionnaire no longer has: their JSON "
              "records are exported, but they are not in the Bundle (see not-in-bundle.jsonl).", file=sys.stderr)
    return EXIT_OK
