"""Provides `intake render` (the sealed document packet of a record) and `intake verify` (offline checks)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.documents import Signature

EXIT_OK, EXIT_INVALID = 0, 1
MAX_PDF_BYTES = 64 * 1024 * 1024
#: A --signed-at earlier than this before now is entered later: sealed now, and the documents say so.
ENTERED_LATER = timedelta(minutes=5)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds `render` and `verify`."""
    p = subparsers.add_parser(
        "render", help="write the sealed consent + aftercare (or deferral letter) for an answers file",
        description="Validates and assesses the answers, then writes the sealed PDF/A-3 packet: the consent form "
        "(with the photo consent section when photos were agreed) and the aftercare sheet, or the deferral "
        "letter when the verdict is DEFER. Refuses an invalid record.")
    p.add_argument("file", help="answers file (JSON), or - for standard input")
    p.add_argument("--out", metavar="DIR", help="output folder (default: [documents] out_dir)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--signature", metavar="STROKES.json",
                     help="the client's drawn signature: a JSON list of strokes of [x, y] points (0..1, y down), "
                     "or {\"strokes\": [...], \"aspect_ratio\": 3, \"name\": \"...\"}")
    how.add_argument("--typed-name", metavar="NAME", help="the client's typed signature")
    photo = p.add_mutually_exclusive_group()
    photo.add_argument("--photo-signature", metavar="STROKES.json", help="drawn signature for the photo consent")
    photo.add_argument("--photo-typed-name", metavar="NAME", help="typed signature for the photo consent")
    photo.add_argument("--photo-same-signature", action="store_true", help="the client chose to sign the photo "
                       "consent with the same signature as the consent (printed as that choice)")
    p.add_argument("--signer-capacity", choices=("client", "guardian", "representative"), default="client",
                   help="who signs: the client (default), or a parent/guardian or legal representative for them")
    p.add_argument("--signer-relationship", metavar="WORDS", default="",
                   help="how a guardian or representative is related to the client, e.g. mother (printed)")
    p.add_argument("--practitioner", metavar="ID", help="countersigning practitioner (default: the first one "
                   "in the configuration)")
    p.add_argument("--signed-at", metavar="TIME", help="signing time, ISO 8601 such as 2026-11-20T14:32 "
                   "(clinic time unless it has an offset; default: now). An earlier time, such as a paper consent "
                   "entered the next morning, is sealed now and the documents say it was entered later")
    decision = p.add_mutually_exclusive_group()
    decision.add_argument("--clearance-noted", nargs="?", const="", metavar="NOTE",
                          help="the practitioner has seen the approvals asked for (waiting periods still apply)")
    decision.add_argument("--override", metavar="REASON",
                          help="the practitioner goes ahead outside a screening limit, for this reason")
    p.add_argument("--unsealed", action="store_true", help="write unsealed previews (marked as such)")
    p.set_defaults(handler=cmd_render)

    p = subparsers.add_parser(
        "verify", help="check a sealed document: seal, certificate, embedded data and template versions",
        description="Checks, offline, that the document's seal is intact and covers the whole file, that it was "
        "made with the clinic's certificate, and that the embedded answers match the fingerprint printed in "
        "the document. Exit status 1 when any check fails.")
    p.add_argument("files", nargs="+", metavar="FILE.pdf", help="documents to check")
    p.add_argument("--cert", metavar="CERT.pem", help="the clinic's seal certificate (default: [security] "
                   "seal_cert_file)")
    p.add_argument("--at", metavar="TIME", help="judge certificates as of this time, ISO 8601 (default: now)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=cmd_verify)

    documents = subparsers.add_parser("documents", help="look after sealed documents (long-term validation)")
    actions = documents.add_subparsers(dest="documents_command", metavar="ACTION")
    p = actions.add_parser(
        "extend", help="add validation material and a trusted document timestamp to every sealed PDF in a folder",
        description="Verifies each sealed PDF under FOLDER, then adds the certificates needed to check it later "
        "and an RFC 3161 document timestamp from [security] timestamp_url (PAdES B-LTA), so it still verifies "
        "after the seal certificate expires. Run it again before the timestamp authority's certificate expires. "
        "A document that does not verify is left unchanged and named.")
    p.add_argument("folder", metavar="FOLDER", help="folder of sealed PDFs (searched recursively)")
    p.add_argument("--at", metavar="TIME", help="verify as of this time, ISO 8601 (default: now)")
    p.set_defaults(handler=cmd_documents_extend)
    documents.set_defaults(handler=lambda args: documents.print_help() or 2)


# -- render ------------------------------------------------------------------------------------

def parse_signed_at(text: str | None, zone) -> datetime:
    from intake.errors import InputFileError

    if not text:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputFileError(f"--signed-at {text!r} is not a date and time; write it like 2026-11-20T14:32 "
                             "or 2026-11-20T14:32+00:00.") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def read_strokes_file(path: str) -> dict[str, Any]:
    from intake.errors import InputFileError
    from intake.jsonfile import read_json

    data = read_json(path)
    if isinstance(data, list):
        return {"strokes": data}
    if isinstance(data, dict) and isinstance(data.get("strokes"), list):
        unknown = set(data) - {"strokes", "aspect_ratio", "name"}
        if unknown:
            raise InputFileError(f"{path}: unknown key {sorted(unknown)[0]!r}; use strokes, aspect_ratio and name.")
        return data
    raise InputFileError(f"{path}: expected a list of strokes, or an object with \"strokes\".")


def make_signature(drawn: str | None, typed: str | None, name: str, statement: str, when: datetime,
                   capacity: str = "client", relationship: str = "") -> Signature:
    """The client's signature from a strokes file (drawn) or a typed name; one of the two is given."""
    from intake.documents import Signature

    if drawn:
        data = read_strokes_file(drawn)
        strokes = [[tuple(point) if isinstance(point, list) else point for point in stroke]
                   if isinstance(stroke, list) else stroke for stroke in data["strokes"]]
        return Signature("drawn", data.get("name", name), statement, when, strokes, data.get("aspect_ratio", 3.0),
                         capacity, relationship)
    return Signature("typed", typed or "", statement, when, capacity=capacity, relationship=relationship)


def _photo_signature(args: argparse.Namespace, record: dict, client: Signature, statement: str,
                     when: datetime) -> Signature | None:
    """The photo consent's own signature, or the consent's when the client chose so; None without photos."""
    from intake.errors import InputFileError
    from intake.lifecycle.signers import same_for_photos

    given = args.photo_signature or args.photo_typed_name
    if record["answers"].get("photo_consent") is not True:
        if given or args.photo_same_signature:
            raise InputFileError("the client did not agree to photos; there is no photo consent to sign.")
        return None
    if args.photo_same_signature:
        return same_for_photos(client, statement, when)
    if not given:
        raise InputFileError("the client agreed to photos, and the photo consent is a consent of its own: give its "
                             "signature (--photo-typed-name NAME or --photo-signature STROKES.json), or "
                             "--photo-same-signature when the client chooses to use the same signature.")
    return make_signature(args.photo_signature, args.photo_typed_name, record["answers"]["full_name"], statement,
                          when, client.capacity, client.relationship)


def cmd_render(args: argparse.Namespace) -> int:
    """intake render FILE --out DIR [--signature STROKES.json | --typed-name NAME]"""
    from intake.cli.core_commands import read_record
    from intake.cli.output import format_problems
    from intake.documents import PacketRenderer
    from intake.documents.keys import seal_paths
    from intake.engine import Engine
    from intake.errors import InputFileError
    from intake.lifecycle import ensure_seal
    from intake.signing import statement_kind
    from intake.verdicts import verdict_text

    engine = Engine.load(args.config)
    record = read_record(args.file)
    problems = engine.validate(record)
    if problems:
        print(format_problems(args.file, problems), file=sys.stderr)
        print("No documents were written: correct the answers and render again.", file=sys.stderr)
        return EXIT_INVALID
    assessment = engine.assessor.assess(record)
    config = engine.config
    when = parse_signed_at(args.signed_at, config.timezone)
    counter, person = _countersignature(args, config, when)
    renderer = PacketRenderer(engine)
    name = record["answers"]["full_name"]
    client = photo = None
    if assessment.verdict == "defer":
        if args.signature or args.typed_name:
            print("The verdict is DEFER, so no consent can be signed: writing the deferral letter instead.")
    else:
        if not (args.signature or args.typed_name):
            raise InputFileError("a consent needs the client's signature: add --typed-name \"NAME\" or "
                                 "--signature STROKES.json.")
        capacity, relationship = args.signer_capacity, args.signer_relationship
        client = make_signature(args.signature, args.typed_name, name,
                                renderer.statement(statement_kind("consent", capacity)), when, capacity, relationship)
        photo = _photo_signature(args, record, client, renderer.statement(statement_kind("photo_consent", capacity)),
                                 when)
    if not args.unsealed and ensure_seal(config, when):
        key, cert = seal_paths(config)
        print(f"First use of the demo clinic: created a self-signed DEMO seal ({key}, {cert}). It is for trying "
              "intake out, not for clinical use.")
    if counter.entered_at is not None:
        print(f"Signed at {when:%Y-%m-%d %H:%M %Z}: entered later, so the documents are sealed now and say so.")
    packet = renderer.render(record, client_signature=client, countersignature=counter, photo_signature=photo,
                             sealed=not args.unsealed)
    out = Path(args.out) if args.out else config.path("documents", "out_dir", "intake-documents")
    paths = packet.write(out or "intake-documents")
    print(f"{name}, record {packet.record_id}: {verdict_text(assessment)}")
    _report_render(args, renderer, packet, paths, person.name, counter.decision)
    return EXIT_OK


def _countersignature(args: argparse.Namespace, config, when: datetime):
    """The practitioner's countersignature `intake render` seals with, and the practitioner."""
    from intake.documents import Countersignature
    from intake.errors import InputFileError

    practitioner = args.practitioner or config.practitioners[0].id
    person = config.practitioner(practitioner)
    if person is None:
        known = ", ".join(p.id for p in config.practitioners)
        raise InputFileError(f"--practitioner {practitioner} is not in the configuration; choose one of: {known}.")
    decision, reason = "none", ""
    if args.override is not None:
        decision, reason = "override", args.override
    elif args.clearance_noted is not None:
        decision, reason = "clearance_noted", args.clearance_noted
    now = datetime.now(UTC).replace(microsecond=0)
    entered = now if args.signed_at and now - when > ENTERED_LATER else None  # a paper or earlier consent
    return Countersignature(practitioner, when, decision, reason, entered_at=entered), person


def _report_render(args: argparse.Namespace, renderer, packet, paths, practitioner: str, decision: str) -> None:
    """What `intake render` wrote: who countersigned, each file, and how it was sealed."""
    note = "" if args.practitioner else " (the first practitioner in the configuration; choose with --practitioner)"
    print(f"Countersigned by {practitioner}{note}" + (f", decision: {decision.replace('_', ' ')}"
                                                       if decision != "none" else ""))
    for document, path in zip(packet.documents, paths, strict=True):
        print(f"  {document.kind:10} {path}  (SHA-256 {document.sha256[:16]}…)")
    if args.unsealed:
        print("These are unsealed previews, marked as such on every page.")
        return
    seal = renderer.seal_identity.certificate
    kind = " (self-signed DEMO certificate)" if seal.demo else " (self-signed)" if seal.self_signed else ""
    print(f"Sealed by {seal.organisation or seal.subject}{kind}, certificate SHA-256 {seal.fingerprint[:16]}…")
    print(f"Trusted time: {renderer.seal_identity.timestamp_note}")
    print("Check any copy with: intake verify FILE.pdf")


# -- verify ------------------------------------------------------------------------------------

def _read_pdf(path: str) -> bytes:
    from intake.jsonfile import read_bounded

    return read_bounded(path, MAX_PDF_BYTES, "an intake document")


def _time_lines(report, both) -> list[str]:
    attested = report.attested_at
    if attested is None:
        lines = ["  trusted time: none; the sealing time above is the clinic computer's own"]
    else:
        lines = [f"  trusted time: sealed no later than {both(attested.at)}, attested by {attested.authority} "
                 "(RFC 3161)"]
    for stamp in report.timestamps:
        what = "timestamp:" if stamp.kind == "signature" else "archived:"
        checked = "authority checked" if stamp.trusted else "authority NOT checked"
        lines.append(f"  {what:12} {both(stamp.at)} by {stamp.authority} ({checked})")
    return lines


_ROLE_WORDS = {"current": "the clinic's current certificate, ", "earlier": "an EARLIER certificate of the clinic, ",
               "given": "the certificate given with --cert, ", "demo": ""}


def _summary(path: str, report, zone) -> str:
    from intake.documents.formatting import make_filters

    if not report.ok:
        return f"NOT VERIFIED {path}: {report.reason}"
    both = make_filters(zone)["both_times"]
    cert = report.certificate
    kind = " (self-signed DEMO certificate)" if cert.demo else " (self-signed)" if cert.self_signed else ""
    lines = [
        f"VERIFIED {path}",
        f"  document:    {report.kind} for {report.client}, record {report.record_id}",
        *([f"  about:       {report.about}"] if report.about else []),
        f"  sealed:      {both(report.sealed_at) if report.sealed_at else 'time not stated'} by "
        f"{cert.organisation or cert.subject}{kind}",
        "  seal:        intact; covers the whole file; nothing changed or added after sealing",
        f"  certificate: SHA-256 {cert.fingerprint[:16]}…, {_ROLE_WORDS.get(report.certificate_role, '')}"
        f"checked against {report.certificate_source}",
        *_time_lines(report, both),
        f"  data:        intake-data.json SHA-256 {report.data_sha256[:16]}… matches the fingerprint printed "
        "in the document",
    ]
    changed = {name: status for name, status in report.template_status.items() if status != "current"}
    if not changed:
        lines.append(f"  templates:   version {report.template_set}; all {len(report.templates)} template files are "
                     "the ones in use now")
    else:
        lines.append(f"  templates:   version {report.template_set}; made with templates that have changed since:")
        lines += [f"               {name} {report.templates[name]}: {status}" for name, status in changed.items()]
    lines += [f"  note:        {note}" for note in report.notes]
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    """intake verify FILE.pdf ... [--cert CERT.pem]"""
    from intake.cli.output import print_json
    from intake.config import load_config
    from intake.documents import verify_pdf

    config = load_config(args.config)
    at = parse_signed_at(args.at, config.timezone) if args.at else None
    results = []
    for path in args.files:
        report = verify_pdf(_read_pdf(path), config, cert_path=args.cert, at=at)
        results.append((path, report))
        if not args.json:
            print(_summary(path, report, config.timezone), file=sys.stdout if report.ok else sys.stderr)
    if args.json:
        print_json([{"file": path, **report.to_dict()} for path, report in results])
    return EXIT_OK if all(report.ok for _, report in results) else EXIT_INVALID


# -- documents extend ---------------------------------------------------------------------------

def cmd_documents_extend(args: argparse.Namespace) -> int:
    """intake documents extend FOLDER [--at TIME]"""
    from intake.config import load_config
    from intake.documents.ltv import extend_pdf
    from intake.documents.timestamps import http_timestamper, timestamp_settings
    from intake.errors import InputFileError

    config = load_config(args.config)
    settings = timestamp_settings(config)
    if not settings.url:
        raise InputFileError("extending documents needs a timestamp authority: set [security] timestamp_url (and "
                             "timestamp_ca_file) in the clinic configuration.")
    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputFileError(f"{folder}: not a folder of documents.")
    at = parse_signed_at(args.at, config.timezone) if args.at else None
    files = sorted(p for p in folder.rglob("*.pdf") if p.is_file())
    if not files:
        print(f"{folder}: no PDF files here; nothing to extend.")
        return EXIT_OK
    timestamper = http_timestamper(settings)
    failed = 0
    for path in files:
        failed += not _extend_one(path, config, timestamper, at, extend_pdf)
    print(f"{len(files) - failed} of {len(files)} document(s) extended.")
    return EXIT_INVALID if failed else EXIT_OK


def _extend_one(path: Path, config, timestamper, at, extend_pdf) -> bool:
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    from intake.documents.formatting import make_filters
    from intake.documents.seal import incremental_writer
    from intake.privatefile import write_private

    moment = at or datetime.now(UTC).replace(microsecond=0)
    try:
        extended, report, revocation = extend_pdf(_read_pdf(str(path)), config, timestamper, at=at,
                                                  writer_factory=lambda data: incremental_writer(data, moment))
    except (TimestampRequestError, OSError) as exc:
        print(f"NOT EXTENDED {path}: the timestamp authority could not be used ({exc}); the file is unchanged.",
              file=sys.stderr)
        return False
    if extended is None:
        print(f"NOT EXTENDED {path}: {report.reason} The file is unchanged.", file=sys.stderr)
        return False
    write_private(path, extended)
    newest = report.timestamps[-1]
    both = make_filters(config.timezone)["both_times"]
    summary = revocation.summary()
    print(f"extended {path}: archive timestamp {both(newest.at)} by {newest.authority}"
          + (f"; {summary}" if summary else ""))
    return True
