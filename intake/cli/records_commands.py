"""Provides the staff commands `intake records list|show|export|reprint|erase|expire`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.cli import credentials

if TYPE_CHECKING:
    from intake.records import DocumentInfo, Store

EXIT_OK, EXIT_INVALID = 0, 1
STATUS_CHOICES = ("draft", "submitted", "deferred", "signed", "expired", "erased")


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--staff", metavar="NAME", help="who is doing this, for the audit trail "
                        "(default: $INTAKE_STAFF or your login name)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `records`."""
    records = subparsers.add_parser("records", help="list, show, export, reprint and erase stored intakes")
    sub = records.add_subparsers(dest="records_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="list intakes, newest first")
    p.add_argument("--search", metavar="TEXT", help="name words (3+ letters of a first name or surname) "
                   "and/or a date of birth as YYYY-MM-DD")
    p.add_argument("--status", choices=STATUS_CHOICES, help="only intakes with this status")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="show at most N (default 50)")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="show one intake (writes a 'viewed' audit entry)")
    p.add_argument("intake", metavar="ID", help="intake id (or its first 4+ characters)")
    p.add_argument("--no-answers", action="store_true", help="leave the answers out")
    _who(p)
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("export", help="export one intake as JSON, CSV or FHIR R4 QuestionnaireResponse; or many "
                       "(--format bundle: a FHIR Bundle with a folder of JSON records and sealed PDFs)")
    p.add_argument("intake", metavar="ID", nargs="?", help="one intake (leave out with --format bundle)")
    p.add_argument("--format", choices=("json", "csv", "fhir", "bundle"), required=True)
    p.add_argument("--client", metavar="CLIENT", help="bundle: every intake of one client (client id c-… or one "
                   "of their intake ids), e.g. for a data-subject request")
    p.add_argument("--from", dest="since", metavar="DATE", help="bundle: consultations on or after DATE (YYYY-MM-DD)")
    p.add_argument("--to", dest="until", metavar="DATE", help="bundle: consultations on or before DATE")
    p.add_argument("--out", metavar="FILE", help="write to FILE (created private, mode 0600) instead of the screen; "
                   "with --format bundle, a new folder")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("reprint", help="write the stored sealed PDF(s) of an intake, byte for byte")
    p.add_argument("intake", metavar="ID")
    p.add_argument("--kind", metavar="KIND", help="only documents of this kind (e.g. consent)")
    p.add_argument("--out", metavar="PATH", help="folder, or a file name ending in .pdf for one document "
                   "(default: [documents] out_dir)")
    p.add_argument("--force", action="store_true", help="replace files that exist")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_reprint)

    p = sub.add_parser("erase", help="erase a client's data (consent evidence is kept for the retention period)")
    p.add_argument("client", metavar="CLIENT", help="client id (c-…) or the id of one of their intakes")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_erase)

    from intake.cli import lifecycle_commands, visit_commands

    lifecycle_commands.register(sub, _who)
    visit_commands.register(sub)

    p = sub.add_parser("expire", help="erase abandoned drafts and consent evidence past its retention period")
    p.set_defaults(handler=cmd_expire)

    p = sub.add_parser("migrate", help="move the clinic's SQLite store to the PostgreSQL server (verified before and "
                       "after, audit trail unbroken; run again, it moves nothing twice)")
    p.add_argument("--to", choices=("postgresql",), required=True, help="the engine to move to")
    _who(p)
    p.set_defaults(handler=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    """intake records migrate --to postgresql"""
    from intake.config import load_config
    from intake.lifecycle import device_name
    from intake.records.postgres.move import move_to_postgresql

    config = load_config(args.config)
    moved = move_to_postgresql(config, staff=staff_name(args), device=device_name(config))
    if moved.already:
        print(f"Nothing to move: {moved.target} already holds these records (moved before). Nothing was changed.")
        return EXIT_OK
    tables = ", ".join(f"{count} {table}" for table, count in moved.rows.items() if count)
    print(f"Moved the records to {moved.target}: {moved.entries} audit entries and {tables or 'no rows'}; the copy "
          "verifies. Set [storage] engine = \"postgresql\" to use it; keep the SQLite file as a backup.")
    return EXIT_OK


# -- helpers ----------------------------------------------------------------------------------


def _open(args: argparse.Namespace):
    from intake.config import load_config
    from intake.records import open_store

    return open_store(load_config(args.config))


def staff_name(args: argparse.Namespace) -> str:
    import getpass

    name = getattr(args, "staff", None) or os.environ.get("INTAKE_STAFF")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "staff"
    return name


def _device(store: Store) -> str:
    from intake.lifecycle import device_name

    return device_name(store.config)


def _local(store: Store, moment: str | None) -> str:
    """A stored UTC time in the clinic's time zone, for people."""
    if not moment:
        return "-"
    from datetime import datetime

    when = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(store.config.timezone)
    return when.strftime("%Y-%m-%d %H:%M %Z")


def write_private_output(path: Path, data: bytes, force: bool) -> None:
    """Writes a file that only its owner can read, whole or not at all; refuses to replace one unless forced."""
    from intake.errors import IntakeError
    from intake.privatefile import write_private

    try:
        write_private(path, data, replace=force)
    except FileExistsError:
        raise IntakeError(f"{path} already exists; choose another name or add --force to replace it.") from None
    except OSError as exc:
        what = "the disk is full" if exc.errno == 28 else exc.strerror
        raise IntakeError(f"cannot write {path} ({what}); nothing was written. The stored record is unchanged."
                          ) from None


def write_stdout(text: str) -> None:
    """Writes to standard output, synced when it is a file; a failure raises (and the export is not audited)."""
    import io
    import stat

    from intake.errors import IntakeError

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        try:
            fileno = sys.stdout.fileno()
        except (io.UnsupportedOperation, ValueError):  # output kept in memory (a test's capture)
            return
        if stat.S_ISREG(os.fstat(fileno).st_mode):
            os.fsync(fileno)
    except OSError as exc:
        raise IntakeError(f"cannot write the export to standard output ({exc.strerror or exc}); it was not "
                          "recorded as exported.") from None


# -- commands ---------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    """intake records list"""
    with _open(args) as store:
        result = store.search(args.search, args.status, limit=max(1, args.limit))
        if not result.rows and not result.damaged:
            print("No intakes found." + (" Search uses 3+ letters of a first name or surname, or a date of birth "
                                         "as YYYY-MM-DD." if args.search else ""))
            return EXIT_OK
        print(f"{'ID':<12} {'STATUS':<10} {'CONSULTED':<11} {'LAST CHANGE':<22} CLIENT")
        for row in result.rows:
            born = f" (born {row.date_of_birth})" if row.date_of_birth else ""
            print(f"{row.intake_id:<12} {row.status:<10} {row.consultation_date:<11} "
                  f"{_local(store, row.updated_at):<22} {row.client_name}{born}")
        more = " More match: narrow with --search or --status, or raise --limit." if result.more else ""
        print(f"{len(result.rows)} intake{'s' if len(result.rows) != 1 else ''} shown.{more}")
        if result.damaged:
            print(f"{len(result.damaged)} intake(s) could not be shown because they are damaged:")
            for damaged in result.damaged:
                print(f"  {damaged.intake_id}: {damaged.message}")
            print("Run `intake audit verify` for the whole picture.")
            return EXIT_INVALID
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """intake records show ID"""
    from intake.cli import visit_commands
    from intake.records.chain import EVENTS

    with _open(args) as store:
        intake = store.view(store.resolve(args.intake), staff=staff_name(args), device=_device(store))
        record_answers = intake.record["answers"] if intake.record else intake.answers
        out = _intake_lines(store, intake, record_answers)
        out += _decision_lines(store, intake)
        for doc in intake.documents:
            versions = ", ".join(f"{k} {v}" for k, v in doc.template_versions.items())
            out.append(f"  Document {doc.kind}: {doc.filename}, {doc.size:,} bytes, sha256 {doc.sha256}"
                       + (f", templates {versions}" if versions else ""))
        out += visit_commands.session_lines(store, intake.intake_id, intake.client_id)
        if not args.no_answers and record_answers:
            out += _answer_lines(store, intake, record_answers)
        out.append("  History:")
        out += [f"    #{entry.seq} {_local(store, entry.at)} {EVENTS.get(entry.event, entry.event)} "
                f"by {entry.staff} on {entry.device}" for entry in store.audit_trail(intake.intake_id)]
        print("\n".join(out))
    return EXIT_OK


def _intake_lines(store, intake, record_answers) -> list[str]:
    """Who the intake is for, when it was started, submitted and signed, and its verdict."""
    from intake.verdicts import wording

    out = [f"Intake {intake.intake_id}: {intake.status}"]
    name, born = record_answers.get("full_name"), record_answers.get("date_of_birth")
    client = f" (client {intake.client_id})" if intake.client_id else ""
    if intake.status in ("erased", "expired"):
        out.append(f"  Client: ({intake.status}; only the dates and the audit trail are kept)")
    else:
        out.append(f"  Client: {name or '(not given yet)'}{', born ' + born if born else ''}{client}")
    out.append(f"  Consultation {intake.consultation_date}, questionnaire {intake.questionnaire_version}")
    out.append(f"  Started {_local(store, intake.started_at)} by {intake.started_by} on {intake.device}; "
               f"last change {_local(store, intake.updated_at)}")
    if intake.status == "draft":
        out.append(f"  Draft: last saved step {intake.step_id or '-'}, resumes at {intake.next_step or '-'}")
    if intake.submitted_at:
        out.append(f"  Submitted {_local(store, intake.submitted_at)}"
                   + (f"; signed {_local(store, intake.signed_at)}" if intake.signed_at else ""))
    if intake.signatures:
        kinds = " and ".join(k.replace("_", " ") for k in intake.signatures)
        out.append(f"  Client signed ({kinds}); waiting for the practitioner's countersignature")
    if intake.retained_until:
        out.append(f"  Erasure requested: kept as consent evidence until {intake.retained_until}")
    if intake.assessment:
        out.append(f"  Verdict: {wording(intake.verdict).line}")
        out += [f"    [{f['severity']}] {f['practitioner_message']}" for f in intake.assessment["findings"]]
    return out


def _decision_lines(store, intake) -> list[str]:
    """Each practitioner's decision, who made it, whether it stands, and the answers it corrected."""
    out = []
    for d in intake.decisions:
        reason = f": {d.reason}" if d.reason else ""
        who = store.config.practitioner(d.practitioner_id)
        by = f"{who.name} ({d.practitioner_id})" if who else d.practitioner_id
        state = (f" [replaced by decision {d.superseded_by}]" if d.superseded_by else
                 " [stands]" if d.in_force else "")
        out.append(f"  Decision {d.decision_id}, {_local(store, d.at)}: {d.kind.replace('_', ' ')} by {by} "
                   f"(staff {d.staff}){reason}{state}")
        if d.supersede_reason:
            out.append(f"    replaces decision {d.supersedes} because: {d.supersede_reason}")
        out += [f"    {c.question_id}: {json.dumps(c.before, ensure_ascii=False)} -> "
                f"{json.dumps(c.after, ensure_ascii=False)}" for c in d.changes]
    return out


def _answer_lines(store, intake, record_answers) -> list[str]:
    """The answers the client gave, step by step, as the questionnaire shows them."""
    from intake.questionnaire import localize
    from intake.records.export import shown_answer

    q, language = store.engine.questionnaire, store.engine.language
    facts = store.engine.facts(record_answers, intake.consultation_date)
    answers = q.prune(record_answers, facts)
    out = []
    for step in q.steps:
        shown = [x for x in q.visible_in(step, answers, facts) if x.id in answers]
        if shown:
            out.append(f"  {localize(step.title, language)}")
            out += [f"    {localize(x.label, language)}: {shown_answer(q, x, answers[x.id], language)}"
                    for x in shown]
    return out


def cmd_export(args: argparse.Namespace) -> int:
    """intake records export ID --format F"""
    if args.format == "bundle" or args.client or args.since or args.until:
        from intake.cli.bulk_export_commands import cmd_bulk_export

        return cmd_bulk_export(args, _open, _staff_act)
    if not args.intake:
        from intake.errors import IntakeError

        raise IntakeError("name the intake to export (ID), or use --format bundle with --client or --from/--to.")
    def deliver(text: str) -> None:  # written (and synced) before the export is audited
        if args.out:
            write_private_output(Path(args.out), text.encode("utf-8"), args.force)
        else:
            write_stdout(text)

    with _open(args) as store:
        who = _staff_act(store, args, "export")
        store.export(store.resolve(args.intake), args.format, staff=who.staff_id, device=who.device,
                     deliver=deliver)
    if args.out:
        print(f"Wrote {args.out} ({args.format}).", file=sys.stderr)
    return EXIT_OK


def _staff_act(store: Store, args: argparse.Namespace, act: str) -> Any:
    """The authenticated staff member doing `act` from this command (asks for their PIN)."""
    return credentials.authenticate(store, args, act, _device(store))  # type: ignore[arg-type]


def cmd_reprint(args: argparse.Namespace) -> int:
    """intake records reprint ID"""
    written: list[tuple[Path, DocumentInfo]] = []
    with _open(args) as store:
        target = Path(args.out) if args.out else store.config.path("documents", "out_dir", "intake-documents")
        who = _staff_act(store, args, "reprint")
        store.reprint(store.resolve(args.intake), kind=args.kind, staff=who.staff_id, device=who.device,
                      deliver=lambda documents: _write_documents(args, target, documents, written))
    for path, info in written:
        print(f"Wrote {path}: the stored {info.kind} document, SHA-256 {info.sha256} (checked).")
    return EXIT_OK


def _write_documents(args: argparse.Namespace, target: Path, documents: list[tuple[DocumentInfo, bytes]],
                     written: list[tuple[Path, DocumentInfo]]) -> None:
    """Writes reprinted documents (0600, synced) before the reprint is audited; on failure none is left."""
    from intake.errors import IntakeError

    as_file = target.suffix.lower() == ".pdf"
    if as_file and len(documents) > 1:
        raise IntakeError(f"intake {args.intake} has {len(documents)} documents; give a folder to --out, "
                          "or choose one with --kind.")
    if not as_file:
        try:
            from intake.privatefolder import make_private_folder

            make_private_folder(target)
        except OSError as exc:
            raise IntakeError(f"cannot create the folder {target} ({exc.strerror}).") from None
    try:
        for info, pdf in documents:
            path = target if as_file else target / info.filename
            write_private_output(path, pdf, args.force)
            written.append((path, info))
    except IntakeError:
        for path, _ in written:
            path.unlink(missing_ok=True)
        written.clear()
        raise


def cmd_erase(args: argparse.Namespace) -> int:
    """intake records erase CLIENT"""
    from intake.errors import IntakeError

    with _open(args) as store:
        who = _staff_act(store, args, "erase")
        client_id = args.client.strip().lower()
        if not client_id.startswith("c-"):
            intake = store.load_intake(store.resolve(client_id))
            if not intake.client_id:
                raise IntakeError(f"intake {intake.intake_id} has no client (no name and date of birth yet).")
            client_id = intake.client_id
        rows = store.search(client_id=client_id, limit=1000).rows
        if not args.yes:
            if not sys.stdin.isatty():
                raise IntakeError("erasing needs confirmation: run it in a terminal, or add --yes.")
            print(f"Client {client_id}: {rows[0].client_name if rows else '(no intakes)'}")
            for row in rows:
                print(f"  intake {row.intake_id}: {row.status}, consultation {row.consultation_date}")
            print("Signed consent evidence younger than the retention period is kept; everything else is erased.")
            try:
                answer = input("Type ERASE to go ahead: ").strip()
            except EOFError:
                answer = ""
            if answer != "ERASE":
                print("Nothing was erased.")
                return EXIT_INVALID
        report = store.erase_client(client_id, staff=who.staff_id, device=who.device)
    print(f"Client {client_id}: erased {len(report.erased_intakes)} intake(s)"
          + (", removed the client." if report.client_removed else "."))
    for intake_id, until in report.kept_intakes.items():
        print(f"  Kept intake {intake_id} (signed consent evidence) until {until}; the audit trail records this.")
    return EXIT_OK


def cmd_expire(args: argparse.Namespace) -> int:
    """intake records expire"""
    with _open(args) as store:
        drafts = store.expire_drafts()
        kept = store.purge_retention()
        days = store.config.section("storage").get("draft_expiry_days", 30)
    print(f"Erased {drafts} draft(s) not saved for {days} days and {kept} intake(s) past their retention period.")
    return EXIT_OK
