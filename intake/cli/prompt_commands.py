"""Provides `intake ask`: the plain-prompt intake for phone, SSH and screen-reader users."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130

NO_TERMINAL = (
    "intake ask needs an interactive terminal (standard input is not one).\n"
    "For answers prepared in a file, use `intake validate FILE` to check them and "
    "`intake render FILE --out DIR` to make the documents."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the ask subcommand."""
    p = subparsers.add_parser("ask", help="take an intake at plain prompts (phone, SSH, screen readers)")
    p.add_argument("--resume", metavar="ID",
                   help="continue a saved draft, or a submitted intake still without documents")
    p.add_argument("--staff", default=None, help="staff member taking the intake (default: your login name)")
    p.add_argument("--language", metavar="CODE", help="the client's language, one the clinic offers ([clinic] "
                   "languages, e.g. de); without it the client chooses when the clinic offers more than one")
    p.add_argument("--documents-language", metavar="CODE", help="the language of the client's documents alone, one "
                   "the clinic offers for them ([clinic] documents_only, e.g. ur); without it, the client's language")
    p.add_argument("--visit", metavar="CLIENT|ID", help="a returning client's next session of their course: staff "
                   "start it with their PIN, then the client answers the re-screen")
    p.set_defaults(handler=cmd_ask)


def _staff_name(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "staff"


def cmd_ask(args: argparse.Namespace) -> int:
    """intake ask [--resume ID]"""
    if not sys.stdin.isatty():
        print(f"intake: {NO_TERMINAL}", file=sys.stderr)
        return EXIT_USAGE
    from intake.documents import PacketRenderer
    from intake.engine import Engine
    from intake.lifecycle import device_name
    from intake.prompt.flow import AskSession
    from intake.prompt.prompter import QuestionaryPrompter
    from intake.records import open_store

    engine = Engine.load(args.config)
    config = engine.config
    device = device_name(config)
    if args.language is not None:
        engine.offered_language(args.language)  # refused plainly, before anything starts
    engine.offered_documents_language(args.documents_language)
    if args.visit:
        return _ask_visit(engine, args.visit, device, args.language)
    out_dir = config.path("documents", "out_dir") or Path("intake-documents")
    with open_store(config, engine=engine) as store:
        session = AskSession(engine, QuestionaryPrompter(), store, PacketRenderer(engine),
                             staff=_staff_name(args.staff), device=device, out_dir=out_dir, language=args.language,
                             documents_language=args.documents_language)
        try:
            session.run(args.resume)
            session.todays_treatment()  # countersigned here: session 1's treatment record, or not treated today
        except (KeyboardInterrupt, EOFError):
            if session.intake_id is None:
                print("\nCancelled — nothing was saved.", file=sys.stderr)
            elif session.status == "draft":
                print(f"\nCancelled — draft saved as {session.intake_id}. "
                      f"Continue with: intake ask --resume {session.intake_id}", file=sys.stderr)
            else:
                print(f"\nStopped — intake {session.intake_id} is saved ({session.status}).", file=sys.stderr)
            return EXIT_CANCELLED
    return EXIT_OK


def _ask_visit(engine, ref: str, device: str, language: str | None = None) -> int:
    """intake ask --visit CLIENT|ID"""
    from intake.lifecycle import Lifecycle
    from intake.lifecycle.visits import Visits
    from intake.prompt.prompter import QuestionaryPrompter
    from intake.prompt.treatment import AskTreatment
    from intake.prompt.visit import AskVisit
    from intake.records import open_store

    with open_store(engine.config, engine=engine) as store:
        ask = AskVisit(Visits(Lifecycle(engine, store)), QuestionaryPrompter(), device, language)
        try:
            visit = ask.run(ref)
            if visit is None:
                if ask.waiting is None:
                    return EXIT_INVALID
                AskTreatment(ask.visits, ask.prompter, device).finish(ask.waiting, ask.who)  # record, end, countersign
                return EXIT_OK
            if ask.hand_back(visit):  # the outcome only once staff have their PIN in: the client may hold the device
                AskTreatment(ask.visits, ask.prompter, device).offer_visit(visit, ask.who)
        except (KeyboardInterrupt, EOFError):
            started = ""
            if ask.visit:
                note = ", not yet re-screened" if ask.visit.status == "open" else ""
                started = f" Visit {ask.visit.visit_id} is kept{note}."
            print(f"\nStopped.{started}", file=sys.stderr)
            return EXIT_CANCELLED
    return EXIT_OK
