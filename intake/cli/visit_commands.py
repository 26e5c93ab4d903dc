"""Provides the sessions of a course from the command line: `intake records visit start|rescreen|record|
countersign|letter|reprint|list|show|export` (`record CLIENT|ID` keeps the consultation day's treatment as
session 1).

Each act asks for the credential of the person doing it (the PIN, hidden, or the first line of standard input
with --pin-stdin) and is audited under their name: starting and re-screening a visit by anyone on the staff,
the treatment record and the countersignature by the practitioner themselves. The rules are the core's
(intake.lifecycle.visits); a refusal is a plain message, exit 1, and nothing is written.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING, Any

from intake.cli import credentials

if TYPE_CHECKING:
    from intake.lifecycle.visits import Visits
    from intake.records.interface import RecordStore
    from intake.records.model import Visit

EXIT_OK = 0
_OUTCOME = {"ready": "ready for treatment", "deferred": "DEFERRED: no treatment today",
            "waiting": "WAITING: too soon for the next session", "needs_consent": "NEW CONSENT NEEDED first",
            "open": "started, waiting for the client's answers",
            "recorded": "treated, waiting for the countersignature", "signed": "countersigned",
            "not_treated": "ended without treatment"}


def register(sub: argparse._SubParsersAction) -> None:
    """Adds `visit` and its actions under `intake records`."""
    visit = sub.add_parser("visit", help="the sessions of a client's course (after the signed consultation)",
                           description="A course is a client's countersigned consultation and its plan; each "
                           "treatment given is a session, numbered by the treatments given. The treatment given when "
                           "the consultation was countersigned is session 1 (`record CLIENT|ID`); each later visit "
                           "is started, re-screened (the client's answers), recorded by the practitioner who treated, "
                           "and countersigned.")
    actions = visit.add_subparsers(dest="visit_command", metavar="ACTION", required=True)
    p = actions.add_parser("start", help="start a further session for a client")
    p.add_argument("client", metavar="CLIENT|ID", help="the client's id (c-…) or one of their intakes' ids")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the visit's day (default: today)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_start)

    p = actions.add_parser("rescreen", help="keep the client's re-screen answers and say what comes of them",
                           description="ANSWERS is a JSON object of the re-screen's answers (schemas/rescreen.json), "
                           "checked like any record: 'changes_since_last': 'nothing_changed' carries the "
                           "consultation's answers over only because the client said so.")
    p.add_argument("visit", metavar="VISIT", help="the visit id (v-…)")
    p.add_argument("--answers", metavar="ANSWERS.json", required=True, help="the answers; - reads standard input")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_rescreen)

    _register_record(actions)
    p = actions.add_parser("end", help="end a started or ready visit without treatment (the client left, or the "
                           "practitioner decided not to treat today)",
                           description="The visit gave no session; the reason is kept with it, with who ended it "
                           "and when, and the client's next visit can start. A visit whose treatment is recorded "
                           "was treated: countersign it instead.")
    p.add_argument("visit", metavar="VISIT", help="the visit id (v-…)")
    p.add_argument("--reason", metavar="TEXT", required=True, help="why it ends without treatment")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_end)
    _register_documents(actions)

    p = actions.add_parser("export", help="a visit as JSON, CSV or FHIR R4 (a Bundle: the re-screen's "
                           "QuestionnaireResponse and the treatment's Procedure)")
    p.add_argument("visit", metavar="VISIT")
    p.add_argument("--format", choices=("json", "csv", "fhir"), required=True)
    p.add_argument("--out", metavar="FILE", help="write to this file, readable only by you (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_export)

    p = actions.add_parser("show", help="one visit for the practitioner: what came of the re-screen, the changes "
                           "the client reported, the findings, and the course's earlier sessions")
    p.add_argument("visit", metavar="VISIT")
    p.set_defaults(handler=cmd_show)

    p = actions.add_parser("list", help="a client's courses, each with its consent's date and status, every "
                           "session so far and the next one's earliest day")
    p.add_argument("client", metavar="CLIENT|ID")
    p.add_argument("--json", action="store_true", help="print the visits as JSON")
    p.set_defaults(handler=cmd_list)


def _register_record(actions: argparse._SubParsersAction) -> None:
    """The practitioner's treatment record: of a visit, or of the consultation's day (session 1)."""
    p = actions.add_parser("record", help="keep the practitioner's record of the treatment given",
                           description="VISIT is a visit re-screened ready; CLIENT|ID (the client's id or their "
                           "countersigned consultation's) records the treatment given the day the consultation was "
                           "countersigned, as session 1 (its re-screen is the consultation), while the course has "
                           "no visit yet. TREATMENT.json: {\"areas\": {AREA: DEPTH_MM}, \"device\", \"needles\", "
                           "\"cartridge_lot\", \"cartridge_expiry\" (YYYY-MM-DD), \"numbing\", \"serum\", "
                           "\"skin_response\", \"adverse_events\" (or \"none\"), \"advice\", and optionally "
                           "\"next_session_from\" and \"clearance_note\"}. Refused above the consented depths, for "
                           "an area not consented, with an expired or blank cartridge lot. Asks for the "
                           "practitioner's own PIN.")
    p.add_argument("visit", metavar="VISIT|CLIENT|ID")
    p.add_argument("--treatment", metavar="TREATMENT.json", required=True, help="the record; - reads standard input")
    p.add_argument("--practitioner", metavar="ID", help="who treated (default: the one whose PIN is given)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_record)


def _register_documents(actions: argparse._SubParsersAction) -> None:
    """The acts that make or reprint a visit's sealed documents: countersign, letter, reprint."""
    p = actions.add_parser("countersign", help="countersign a recorded session (the practitioner's own PIN)")
    p.add_argument("visit", metavar="VISIT")
    p.add_argument("--practitioner", metavar="ID", help="who countersigns (default: the one whose PIN is given)")
    p.add_argument("--signed-at", metavar="TIME", help="when they countersigned, ISO 8601 (default: now; not in "
                   "the future, not before the treatment record)")
    p.add_argument("--out", metavar="DIR", help="documents folder for the sealed session record and aftercare sheet "
                   "(default: [documents] out_dir; one folder per course inside it)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_countersign)

    p = actions.add_parser("letter", help="the sealed deferral letter of a visit the re-screen deferred",
                           description="Issues the letter now: signed by the practitioner when a practitioner's PIN "
                           "is given, else from the clinic's team. It is kept with the course and written (0600).")
    p.add_argument("visit", metavar="VISIT")
    p.add_argument("--out", metavar="DIR", help="documents folder (default: [documents] out_dir)")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_letter)

    p = actions.add_parser("reprint", help="write a visit's stored sealed PDF(s), byte for byte (checked)")
    p.add_argument("visit", metavar="VISIT")
    p.add_argument("--kind", choices=("session_record", "session_aftercare", "visit_deferral"),
                   help="only documents of this kind")
    p.add_argument("--out", metavar="DIR", help="folder (default: [documents] out_dir)")
    p.add_argument("--force", action="store_true", help="replace files that exist")
    credentials.add_arguments(p)
    p.set_defaults(handler=cmd_reprint)


def _open(args: argparse.Namespace) -> tuple[RecordStore, Visits, str]:
    from intake.engine import Engine
    from intake.lifecycle import Lifecycle, device_name
    from intake.lifecycle.visits import Visits
    from intake.records import open_store

    engine = Engine.load(args.config)
    store = open_store(engine.config, engine=engine)
    return store, Visits(Lifecycle(engine, store)), device_name(engine.config)


def _read(file: str) -> Any:
    from intake.cli.core_commands import read_record
    from intake.errors import InputFileError

    value = read_record(file)
    if not isinstance(value, dict):
        raise InputFileError(f"{file}: a JSON object is expected.")
    return value


def _visit_date(text: str | None) -> date | None:
    from intake.errors import InputFileError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputFileError(f"--date {text[:20]!r} is not a date (YYYY-MM-DD).") from None


def _line(visit: Visit) -> str:
    return f"Visit {visit.visit_id}: session {visit.number} on {visit.visit_date}, {_OUTCOME[visit.status]}"


def cmd_start(args: argparse.Namespace) -> int:
    """intake records visit start CLIENT|ID [--date D]"""
    store, visits, device = _open(args)
    day = _visit_date(args.date)
    with store:
        who = credentials.authenticate(store, args, "visit", device)
        visit = visits.begin(args.client, who.actor, day)
    print(_line(visit) + f" (course {visit.course_id}). The client answers the re-screen next.")
    return EXIT_OK


def cmd_rescreen(args: argparse.Namespace) -> int:
    """intake records visit rescreen VISIT --answers FILE"""
    store, visits, device = _open(args)
    answers = _read(args.answers)
    with store:
        who = credentials.authenticate(store, args, "visit", device)
        visit = visits.rescreen(args.visit, answers, who.actor)
    print(_line(visit))
    for reason in visit.outcome.get("reasons", []):
        print(f"  - {reason}")
    if visit.outcome.get("until"):
        print(f"  The client may come back from {visit.outcome['until']}.")
    for finding in (visit.assessment or {}).get("findings", []):
        print(f"  [{finding['severity']}] {finding['practitioner_message']}")
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    """intake records visit record VISIT|CLIENT|ID --treatment FILE [--practitioner P]"""
    store, visits, device = _open(args)
    treatment = _read(args.treatment)
    with store:
        who = credentials.authenticate(store, args, "treat", device, practitioner_id=args.practitioner)
        if args.visit.strip().startswith("v-"):
            visit = visits.record(args.visit, who, treatment, practitioner_id=args.practitioner,
                                  show=date.isoformat)  # the file's days, as it is written
        else:
            visit = visits.record_first(args.visit, who, treatment, practitioner_id=args.practitioner,
                                        show=date.isoformat)
    kept = visit.treatment or {}
    areas = ", ".join(f"{area} {depth} mm" for area, depth in kept.get("areas", {}).items())
    first = " (the consultation's day: its re-screen is the consultation)" if visit.number == 1 and \
        visit.outcome.get("rescreen") == "consultation" else ""
    print(f"{_line(visit)}{first}: {areas}; cartridge lot {kept.get('cartridge_lot')}; next session from "
          f"{kept.get('next_session_from')}. Countersign it: intake records visit countersign {visit.visit_id}")
    return EXIT_OK


def cmd_end(args: argparse.Namespace) -> int:
    """intake records visit end VISIT --reason TEXT"""
    store, visits, device = _open(args)
    with store:
        who = credentials.authenticate(store, args, "visit", device)
        visit = visits.end_untreated(args.visit, who, args.reason)
    print(f"{_line(visit)} (by {who.name}): {visit.outcome['not_treated']['reason']}. The client's next visit can "
          "start.")
    return EXIT_OK


def cmd_countersign(args: argparse.Namespace) -> int:
    """intake records visit countersign VISIT [--practitioner P] [--signed-at TIME] [--out DIR]"""
    from pathlib import Path

    from intake.cli.document_commands import parse_signed_at

    store, visits, device = _open(args)
    when = parse_signed_at(args.signed_at, visits.config.timezone) if args.signed_at else None
    with store:
        who = credentials.authenticate(store, args, "countersign", device, practitioner_id=args.practitioner)
        done = visits.countersign(args.visit, who, practitioner_id=args.practitioner,
                                  out_dir=Path(args.out) if args.out else None, signed_at=when)
    print(f"{_line(done.visit)} by {done.visit.countersigned_by}.")
    for path in done.paths:
        print(f"  Wrote {path}")
    return EXIT_OK


def cmd_letter(args: argparse.Namespace) -> int:
    """intake records visit letter VISIT [--out DIR]"""
    from pathlib import Path

    store, visits, device = _open(args)
    with store:
        who = credentials.authenticate(store, args, "visit", device)
        done = visits.letter(args.visit, who, out_dir=Path(args.out) if args.out else None)
    print(f"{_line(done.visit)}: the deferral letter is sealed and kept.")
    for path in done.paths:
        print(f"  Wrote {path}")
    return EXIT_OK


def cmd_reprint(args: argparse.Namespace) -> int:
    """intake records visit reprint VISIT [--kind K] [--out DIR] [--force]"""
    from pathlib import Path

    from intake.cli.records_commands import write_private_output
    from intake.errors import IntakeError
    from intake.privatefolder import make_private_folder

    written: list[tuple[Path, Any]] = []

    def deliver(documents: list[tuple[Any, bytes]]) -> None:  # written (and synced) before the reprint is audited
        try:
            make_private_folder(target)
        except OSError as exc:
            raise IntakeError(f"cannot create the folder {target} ({exc.strerror}).") from None
        try:
            for info, pdf in documents:
                write_private_output(target / info.filename, pdf, args.force)
                written.append((target / info.filename, info))
        except IntakeError:
            for path, _ in written:
                path.unlink(missing_ok=True)
            written.clear()
            raise

    store, _, device = _open(args)
    with store:
        target = Path(args.out) if args.out else \
            store.config.path("documents", "out_dir", "intake-documents") or Path("intake-documents")
        who = credentials.authenticate(store, args, "reprint", device)
        store.visits.documents(args.visit, kind=args.kind, staff=who.staff_id, device=who.device, deliver=deliver)
    for path, info in written:
        print(f"Wrote {path}: the stored {info.kind} document, SHA-256 {info.sha256} (checked).")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """intake records visit export VISIT --format F [--out FILE]"""
    import sys
    from pathlib import Path

    from intake.cli.records_commands import write_private_output, write_stdout

    def deliver(text: str) -> None:  # written (and synced) before the export is audited
        if args.out:
            write_private_output(Path(args.out), text.encode("utf-8"), args.force)
        else:
            write_stdout(text)

    store, _, device = _open(args)
    with store:
        who = credentials.authenticate(store, args, "export", device)
        store.visits.export(args.visit, args.format, staff=who.staff_id, device=who.device, deliver=deliver)
    if args.out:
        print(f"Wrote {args.out} ({args.format}).", file=sys.stderr)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """intake records visit show VISIT"""
    from intake.questionnaire import localize
    from intake.records.export import shown_answer

    store, visits, _ = _open(args)
    with store:
        visit = store.visits.load(args.visit)
        state = visits.state(visit.course_id)
        changes = visits.changes(visit)
        questionnaire, language = visits.life.engine.questionnaire, visits.life.engine.language
        out = [_line(visit) + f" (course {visit.course_id}, started by {visit.started_by} on {visit.device})"]
        out += [f"  - {reason}" for reason in visit.outcome.get("reasons", [])]
        if ended := visit.outcome.get("not_treated"):
            out.append(f"  Ended without treatment by {ended['by']} at {ended['at']} (it was {ended['was']}): "
                       f"{ended['reason']}")
        if visit.answers is not None:
            out.append("  Changes the client reported since the consultation:" if changes else
                       "  The client said nothing has changed since their last visit.")
        for question_id, before, now in changes:
            question = questionnaire.by_id[question_id]
            label = localize(question.label, language)
            was = shown_answer(questionnaire, question, before, language) if before is not None else "(not given)"
            is_now = shown_answer(questionnaire, question, now, language) if now is not None else "(not given)"
            out.append(f"  >> {label}: {was} -> {is_now}")
        for finding in (visit.assessment or {}).get("findings", []):
            out.append(f"  [{finding['severity']}] {finding['practitioner_message']}")
        out += course_lines(visits, state)
        out += earlier_lines(state)
    print("\n".join(out))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """intake records visit list CLIENT|ID [--json]"""
    from dataclasses import asdict

    store, visits, _ = _open(args)
    with store:
        latest = visits.state(visits.course_id(args.client))
        states = [latest if course_id == latest.course.course_id else visits.state(course_id)
                  for course_id in visits.courses(latest.client_id)]
        if args.json:
            print(json.dumps([asdict(v) for state in states for v in state.visits], ensure_ascii=False, indent=2))
            return EXIT_OK
        lines = [line for state in states for line in course_lines(visits, state, latest=state is latest)]
    print("\n".join(lines))
    return EXIT_OK


def course_status(visits: Visits, state: Any, latest: bool) -> str:
    """A course's status in words: current, complete, its consent expired, or followed by a later course."""
    from intake.dates import add_months

    course = state.course
    if not latest:
        return "ended: a later consent followed it"
    if state.sessions_given >= course.sessions:
        return f"complete: all {course.sessions} sessions given"
    until = add_months(course.consented_on, visits.config.consent_valid_months)
    if date.fromisoformat(visits.life.today()) > until:
        return f"consent expired on {until.isoformat()}: a new consent is needed"
    return f"current: consent valid until {until.isoformat()}"


def course_lines(visits: Visits, state: Any, *, latest: bool = True) -> list[str]:
    """A client's course in lines: its consent's date and status, the plan, each session, and the next one's
    earliest day."""
    course = state.course
    plan = ", ".join(f"{area} {low}-{high} mm" for area, (low, high) in course.areas.items())
    out = [f"Course {course.course_id} (client {state.client_id}): consented {course.consented_on}, "
           f"{course_status(visits, state, latest)}",
           f"  Plan: {course.sessions} sessions at least {course.interval_weeks} weeks apart; {plan}",
           f"  Consultation on {course.consultation_date}"
           + (f" (a new consent following the course {state.follows})" if state.follows else "")]
    out += [f"  {_line(visit)}" + _done(visit) for visit in state.visits]
    if not latest:
        return out
    following = state.next_from()
    out.append(f"  {state.sessions_given} of {course.sessions} sessions given; the next "
               + (f"from {following.isoformat()}" if following else
                  f"(session {state.sessions_given + 1}) any day: no treatment given yet, so no interval to wait"))
    return out


def _done(visit: Visit) -> str:
    """What was done at a treated visit, in words ('' when nothing)."""
    done = visit.treatment or {}
    depths = ", ".join(f"{area} {depth} mm" for area, depth in done.get("areas", {}).items())
    first = " (on the consultation's day)" if visit.outcome.get("rescreen") == "consultation" else ""
    return f"{first}: {depths}, skin: {done.get('skin_response')}" if depths else first


def earlier_lines(state: Any) -> list[str]:
    """The sessions of the client's earlier courses, marked as such."""
    return [f"  Earlier course {visit.course_id}: {_line(visit)}{_done(visit)}" for visit in state.earlier]


def session_lines(store: RecordStore, course_id: str, client_id: str | None) -> list[str]:
    """Every course of the client and its sessions, for `intake records show` (the intake's own course marked)."""
    if client_id is None:
        return []
    found = store.visits.of_client(client_id)
    courses = list(dict.fromkeys(visit.course_id for visit in found))  # in the order their sessions began
    lines = []
    for course in courses:
        mine = [v for v in found if v.course_id == course]
        lines.append(f"  Sessions of {'this course' if course == course_id else f'the course of intake {course}'} "
                     f"({len(mine)}):")
        lines += [f"    {_line(visit)}{_done(visit)}" for visit in mine]
    return lines
