"""Provides the lifecycle from the command line: `intake records import|decide|sign|countersign`.

With them an intake can be driven from an answers file to sealed, stored documents without a terminal
front end: import (validated, assessed, stored as submitted), decide (clearance noted or override),
sign (the client's typed or drawn signatures, kept until the countersignature), countersign (render,
seal, store and write the documents; a deferral gets its letter).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.cli import credentials

EXIT_OK, EXIT_INVALID = 0, 1

if TYPE_CHECKING:
    from intake.lifecycle import Actor, Lifecycle


def register(sub: argparse._SubParsersAction, who: Callable[[argparse.ArgumentParser], None]) -> None:
    """Adds `import`, `decide`, `sign` and `countersign` under `intake records`."""
    p = sub.add_parser("import", help="store answers files as submitted intakes (validated and assessed)",
                       description="Validates every file first; when any is invalid nothing is stored. Each valid "
                       "file becomes a submitted intake (or a deferred one) under a new id, which is printed. A "
                       "file whose content was imported before is named with its intake and not stored again.")
    p.add_argument("files", nargs="+", metavar="FILE", help="answers files or FHIR R4 QuestionnaireResponses of the "
                   "clinic's questionnaire (JSON); - reads standard input")
    p.add_argument("--json", action="store_true", help="print the new ids and verdicts as JSON")
    who(p)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("decide", help="record a practitioner's clearance note or override for an intake",
                       description="Only an intake whose verdict is CLEARANCE takes a decision; a deferral never "
                       "does. The reason is kept (encrypted) and printed in the consent with who decided. A "
                       "decision that replaces the one standing says so with --supersede and a reason; both are "
                       "kept. Asks for the practitioner's own PIN.")
    p.add_argument("intake", metavar="ID")
    p.add_argument("--practitioner", metavar="ID", help="the practitioner deciding (default: the one whose PIN "
                   "is given)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--clearance-noted", metavar="NOTE", help="what was obtained (e.g. the GP's letter of …)")
    how.add_argument("--override", metavar="REASON", help="why treatment may go ahead without the clearance")
    p.add_argument("--supersede", metavar="REASON", help="replace the decision that stands, saying why")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_decide)

    p = sub.add_parser("correct", help="correct one of the client's answers with them present (before sealing)",
                       description="Changes answers of a submitted intake, keeping what they were: the intake is "
                       "assessed again, the client's kept signatures are dropped (they sign the corrected answers), "
                       "and the documents list the correction. VALUE: yes/no; an option id; option ids separated by "
                       "commas; a date; or text. Give QUESTION VALUE again for a follow-up question that the change "
                       "brings up. Asks for the practitioner's own PIN.")
    p.add_argument("intake", metavar="ID")
    p.add_argument("changes", nargs="+", metavar="QUESTION VALUE", help="question id and its corrected value")
    p.add_argument("--reason", required=True, help="why the answer is corrected (e.g. the client misread it)")
    p.add_argument("--practitioner", metavar="ID", help="the practitioner correcting (default: the one whose PIN "
                   "is given)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_correct)

    _register_signing(sub, who)


def _register_signing(sub: argparse._SubParsersAction, who: Callable[[argparse.ArgumentParser], None]) -> None:
    """Adds `sign` and `countersign` under `intake records`."""
    p = sub.add_parser("sign", help="keep the client's signatures on a submitted intake until the countersignature")
    p.add_argument("intake", metavar="ID")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--typed-name", metavar="NAME", help="the client's typed signature (their name as given)")
    how.add_argument("--signature", metavar="STROKES.json", help="the client's drawn signature (see `intake render`)")
    photo = p.add_mutually_exclusive_group()
    photo.add_argument("--photo-typed-name", metavar="NAME", help="typed signature for the photo consent")
    photo.add_argument("--photo-signature", metavar="STROKES.json", help="drawn signature for the photo consent")
    photo.add_argument("--photo-same-signature", action="store_true", help="the client chose to sign the photo "
                       "consent with the same signature as the consent (kept, audited and printed as that choice)")
    p.add_argument("--signed-at", metavar="TIME", help="when the client signed, ISO 8601 (default: now)")
    who(p)
    p.set_defaults(handler=cmd_sign)

    p = sub.add_parser("countersign", help="countersign, render, seal and store the documents of an intake",
                       description="Makes the consent + aftercare sheet of a signed intake (or the deferral letter "
                       "of a deferred one), seals them, keeps them in the store and writes them to the "
                       "intake's folder.")
    p.add_argument("intake", metavar="ID")
    p.add_argument("--practitioner", metavar="ID", help="the countersigning practitioner (default: the one whose "
                   "PIN is given)")
    p.add_argument("--signed-at", metavar="TIME", help="when they countersigned, ISO 8601 (default: now)")
    p.add_argument("--sessions", metavar="N", type=int, help="the plan's number of sessions (default: "
                   "treatment.json's; within its range)")
    p.add_argument("--interval-weeks", metavar="W", type=int, help="the plan's least weeks between sessions "
                   "(default: treatment.json's, or a finding's longer one)")
    p.add_argument("--out", metavar="DIR", help="documents folder (default: [documents] out_dir)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_countersign)


def _open(args: argparse.Namespace) -> tuple[Any, Lifecycle, Actor]:
    from intake.cli.records_commands import staff_name
    from intake.engine import Engine
    from intake.lifecycle import Actor, Lifecycle, device_name
    from intake.records import open_store

    engine = Engine.load(args.config)
    store = open_store(engine.config, engine=engine)
    return store, Lifecycle(engine, store), Actor(staff_name(args), device_name(engine.config))


#: Why an intake at a stage cannot take the command asked for.
_NOT_NOW = {"steps": "is still a draft: finish or import it first", "review": "is still a draft: finish or import it "
            "first", "sign": "waits for the client's signatures: `intake records sign` first",
            "letter": "was deferred: there is no consent to sign; countersign gives the letter",
            "done": "has its documents already (`intake records reprint`)"}


def _at(life: Lifecycle, intake_id: str, stages: tuple[str, ...]) -> Any:
    """The intake, when it is at one of these stages of its life.

    Raises:
        LifecycleError: saying where it is instead.
    """
    from intake.lifecycle import LifecycleError

    where = life.resume(intake_id)
    if where.stage not in stages:
        raise LifecycleError(f"intake {intake_id} {_NOT_NOW[where.stage]}.")
    return where.intake


def cmd_import(args: argparse.Namespace) -> int:
    """intake records import FILE..."""
    from intake.cli.core_commands import read_record
    from intake.cli.output import format_problems, print_json
    from intake.engine import Engine
    from intake.records import fhirimport
    from intake.validation import Problem

    engine = Engine.load(args.config)
    records, refused = [], False
    for file in args.files:
        record = read_record(file)
        problems: list[Problem] = []
        if fhirimport.is_response(record):  # a FHIR QuestionnaireResponse: its answers, validated the same
            record, problems = fhirimport.answers_record(engine, record)
        problems = problems or engine.validate(record)
        if problems:
            print(format_problems(file, problems), file=sys.stderr)
            refused = True
        records.append((file, record))
    if refused:
        print("Nothing was imported: correct the files above and import again.", file=sys.stderr)
        return EXIT_INVALID
    store, life, actor = _open(args)
    done = []
    with store:
        for file, record in records:
            result = life.import_answers(record, actor)
            intake = result.intake
            done.append({"file": file, "intake": intake.intake_id, "status": intake.status,
                         "verdict": intake.verdict, "already_imported": not result.new})
            if not args.json:  # each line as soon as its intake is stored: an interrupted run names what it did
                print(f"{file}: imported as intake {intake.intake_id} ({intake.status}, verdict {intake.verdict})"
                      if result.new else f"{file}: already imported as intake {intake.intake_id} "
                      f"({intake.status}, verdict {intake.verdict}); not stored again", flush=True)
    if args.json:
        print_json(done)
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    """intake records decide ID [--practitioner P] (--clearance-noted NOTE | --override REASON) [--supersede WHY]"""
    kind, reason = ("override", args.override) if args.override is not None else \
        ("clearance_noted", args.clearance_noted)
    store, life, actor = _open(args)
    with store:
        intake, _ = life.load(store.resolve(args.intake))
        who = credentials.authenticate(store, args, "decide", actor.device, practitioner_id=args.practitioner)
        life.decide(intake, who, kind, reason, practitioner_id=args.practitioner, supersede=args.supersede)
        by = who.acting_practitioner("decide", args.practitioner)
    replaced = " (it replaces the decision that stood)" if args.supersede else ""
    print(f"Intake {intake.intake_id}: {kind.replace('_', ' ')} recorded for {by}{replaced}.")
    return EXIT_OK


def cmd_correct(args: argparse.Namespace) -> int:
    """intake records correct ID QUESTION VALUE [QUESTION VALUE ...] --reason WHY [--practitioner P]"""
    from intake.lifecycle import LifecycleError
    from intake.lifecycle.decisions import parse_value

    if len(args.changes) % 2:
        raise LifecycleError("give each correction as QUESTION VALUE (a question id, then its corrected value).")
    store, life, actor = _open(args)
    with store:
        intake, _ = life.load(store.resolve(args.intake))
        pairs = list(zip(args.changes[::2], args.changes[1::2], strict=True))
        changes = {question: parse_value(life, question, value) for question, value in pairs}
        who = credentials.authenticate(store, args, "correct", actor.device, practitioner_id=args.practitioner)
        before = intake.verdict
        life.correct(intake, who, changes, args.reason, practitioner_id=args.practitioner)
    print(f"Intake {intake.intake_id}: corrected {', '.join(changes)}; the original answers are kept in the record.")
    print(f"  Verdict: {before} -> {intake.verdict}; status {intake.status}."
          + (" The client signs again (the corrected answers)." if intake.status == "submitted" else ""))
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    """intake records sign ID (--typed-name NAME | --signature STROKES.json)"""
    from intake.cli.document_commands import parse_signed_at
    from intake.lifecycle import ClientSignatures

    store, life, actor = _open(args)
    with store:
        intake = _at(life, store.resolve(args.intake), ("sign", "practitioner"))
        when = parse_signed_at(args.signed_at, life.engine.config.timezone)
        consent = _signature(life, intake, "consent", args.signature, args.typed_name, when)
        photo = _photo_signature(life, intake, args, consent, when)
        life.sign(intake, ClientSignatures(consent, photo), actor)
    kinds = "consent signature" if photo is None else "consent and photo consent signatures" if \
        not photo.same_as_consent else "consent signature, also for the photo consent as the client chose,"
    print(f"Intake {intake.intake_id}: the client's {kinds} kept for the countersignature.")
    return EXIT_OK


def _photo_signature(life: Lifecycle, intake: Any, args: argparse.Namespace, consent: Any, when: Any) -> Any:
    """The photo consent's own signature, or the consent's when the client chose so; None without photos.

    Raises:
        LifecycleError: photos were agreed but neither was given, or a photo signature without photos.
    """
    from intake.lifecycle import LifecycleError

    given = args.photo_signature or args.photo_typed_name
    if not life.photo_needed(intake):
        if given or args.photo_same_signature:
            raise LifecycleError("the client did not agree to photos; there is no photo consent to sign.")
        return None
    if args.photo_same_signature:
        return life.same_photo_signature(consent, when, intake)
    if not given:
        raise LifecycleError("the client agreed to photos, and the photo consent is a consent of its own: give "
                             "its signature (--photo-typed-name NAME or --photo-signature STROKES.json), or "
                             "--photo-same-signature when the client chooses to use the same signature.")
    return _signature(life, intake, "photo_consent", args.photo_signature, args.photo_typed_name, when)


def _signature(life: Lifecycle, intake: Any, kind: str, drawn: str | None, typed: str | None, when: Any) -> Any:
    from intake.cli.document_commands import make_signature
    from intake.documents.model import check_signature

    if typed is not None:
        return life.typed_signature(intake, kind, typed, when)
    signature = make_signature(drawn, None, intake.answers.get("full_name", ""), life.statement(kind, intake), when)
    return check_signature(signature, f"the {kind.replace('_', ' ')} signature")


def _plan(life: Lifecycle, intake: Any, sessions: int | None, interval: int | None) -> Any:
    """The plan the practitioner countersigns: the default one, with the sessions and weeks given (checked as the
    wizard's plan editor checks them)."""
    from dataclasses import replace

    from intake.lifecycle import LifecycleError

    plan = life.default_plan(intake)
    if sessions is None and interval is None:
        return plan
    if plan is None:
        raise LifecycleError("--sessions and --interval-weeks belong to a treatment plan; this intake has none "
                             "(it is deferred, and gets its letter).")
    chosen = replace(plan, sessions=plan.sessions if sessions is None else sessions,
                     interval_weeks=plan.interval_weeks if interval is None else interval)
    problems = life.engine.treatment.schedule_problems(chosen.sessions, chosen.interval_weeks,
                                                       intake.assessment.plan_limits)
    if problems:
        raise LifecycleError(" ".join(problems) + " Nothing was countersigned.")
    return chosen


def cmd_countersign(args: argparse.Namespace) -> int:
    """intake records countersign ID [--practitioner P]"""
    from intake.cli.document_commands import parse_signed_at

    store, life, actor = _open(args)
    with store:
        intake = _at(life, store.resolve(args.intake), ("practitioner", "letter"))
        when = parse_signed_at(args.signed_at, life.engine.config.timezone)
        who = credentials.authenticate(store, args, "countersign", actor.device, practitioner_id=args.practitioner)
        counter = life.countersignature(intake, who, _plan(life, intake, args.sessions, args.interval_weeks), when,
                                        practitioner_id=args.practitioner)
        if life.ensure_seal(counter.signed_at):
            print("First use of the demo clinic: created a self-signed DEMO seal (for trying intake out, not for "
                  "clinical use).")
        packet = life.render(intake, counter)
        paths = life.keep_documents(intake, packet, who.actor, Path(args.out) if args.out else None)
    print(f"Intake {intake.intake_id}: {intake.status}.")
    for document, path in zip(packet.documents, paths, strict=True):
        print(f"  {document.kind:10} {path}  (SHA-256 {document.sha256[:16]}…)")
    return EXIT_OK

