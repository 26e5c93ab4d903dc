"""Provides the core subcommands: validate, assess, check and schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INVALID = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the core subcommands."""
    p = subparsers.add_parser("validate", help="check an intake answers file against the questionnaire")
    p.add_argument("file", help="answers file (JSON), or - for standard input")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--kind-stop", action="store_true",
                   help="the file holds the answers given up to a kind stop (the record of a kind stop's deferral "
                        "letter): check it as such")
    p.set_defaults(handler=cmd_validate)

    p = subparsers.add_parser("assess", help="validate an answers file and assess suitability")
    p.add_argument("file", help="answers file (JSON), or - for standard input")
    p.add_argument("--json", action="store_true", help="print the assessment as JSON")
    p.set_defaults(handler=cmd_assess)

    p = subparsers.add_parser("check", help="check the configuration, questionnaire and rules")
    p.set_defaults(handler=cmd_check)

    p = subparsers.add_parser("schema", help="print the JSON Schema of a completed intake record")
    p.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    p.add_argument("--fhir", action="store_true",
                   help="print the questionnaire as a FHIR R4 Questionnaire instead (what FHIR exports refer to)")
    p.set_defaults(handler=cmd_schema)


def _engine(args: argparse.Namespace):
    from intake.engine import Engine

    return Engine.load(args.config)


def read_record(file: str) -> Any:
    """Reads a record from a path or standard input ('-')."""
    from intake.jsonfile import MAX_BYTES, parse_json, read_json

    if file == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            from intake.errors import InputFileError

            raise InputFileError("standard input: larger than an intake file can be.")
        return parse_json(data, "standard input")
    return read_json(file)


def cmd_validate(args: argparse.Namespace) -> int:
    """intake validate FILE"""
    from intake import kindstop
    from intake.cli.output import format_problems, print_json

    engine = _engine(args)
    record = read_record(args.file)
    problems = kindstop.record_problems(engine, record) if args.kind_stop else engine.validate(record)
    if args.json:
        print_json({"valid": not problems, "problems": [p.to_dict() for p in problems]})
    elif problems:
        print(format_problems(args.file, problems))
        if not args.kind_stop and not kindstop.record_problems(engine, record):
            print(f"These are the answers given up to a kind stop (a deferral): `intake validate --kind-stop "
                  f"{args.file}` checks them as such.")
    elif args.kind_stop:
        print(f"VALID {args.file}: the answers given up to a kind stop, for questionnaire "
              f"{engine.questionnaire.version} (a deferral; the questions after the stop were not asked).")
    else:
        print(f"VALID {args.file}: a complete intake for questionnaire {engine.questionnaire.version}.")
    return EXIT_INVALID if problems else EXIT_OK


def cmd_assess(args: argparse.Namespace) -> int:
    """intake assess FILE"""
    from intake.cli.output import format_assessment, format_problems, print_json

    engine = _engine(args)
    record = read_record(args.file)
    problems = engine.validate(record)
    if problems:
        if args.json:
            print_json({"valid": False, "problems": [p.to_dict() for p in problems]})
        else:
            print(format_problems(args.file, problems), file=sys.stderr)
        return EXIT_INVALID
    assessment = engine.assessor.assess(record)
    if args.json:
        print_json({"valid": True, **assessment.to_dict()})
    else:
        print(format_assessment(args.file, assessment, record["answers"].get("full_name", "")))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """intake check"""
    from collections import Counter

    from intake.config import load_config
    from intake.engine import Engine
    from intake.paths import SCHEMAS_DIR
    from intake.textcheck import MissingTextsError, missing_texts

    config = load_config(args.config)
    missing = missing_texts(config)  # every file's, before a loader stops at its own file's
    if missing:
        raise MissingTextsError(missing)
    engine = Engine.load(config)
    q, rules = engine.questionnaire, engine.rules
    counts = Counter(r.severity or f"policy:{r.severity_setting}" for r in rules.rules)
    print(f"Configuration: {config.source}{' (built-in demo clinic)' if config.is_demo else ''}")
    print(f"  clinic: {config.clinic['name']}, time zone {config.clinic['timezone']}, "
          f"{len(config.practitioners)} practitioner(s), minors policy {config.minors_policy}")
    print(f"Languages offered to clients: {', '.join(config.languages)} (every text of the data files in each)")
    if config.documents_only:
        print(f"Languages for the documents alone: {', '.join(config.documents_only)} (the data files' texts the "
              "documents print)")
    print(f"Questionnaire {q.version}: {len(q.steps)} steps, {sum(1 for _ in q.questions())} questions "
          f"({config.schemas_dir / 'questionnaire.json'})")
    print(f"Rules {rules.version}: {len(rules.rules)} rules (" +
          ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + ")")
    windows = engine.assessor
    print("Waiting windows: " + ", ".join(f"{n} = {windows.window_text(n)}" for n in rules.windows))
    print(f"Treatment defaults {engine.treatment.version}: {len(engine.treatment.data['areas'])} areas")
    rescreen = engine.rescreen
    own = len(rescreen.rules.rules) - len(rules.rules)
    print(f"Re-screen before further sessions {rescreen.questionnaire.version}: {len(rescreen.asked_again)} questions "
          f"asked again, {sum(1 for _ in rescreen.questionnaire.questions()) - len(rescreen.asked_again)} of its own, "
          f"{own} rules of its own ({config.schemas_dir / 'rescreen.json'})")
    documents_complete = _document_texts(config)
    pin_problem = _shared_pin_problem(config)
    if pin_problem:
        print(pin_problem)
        if not config.is_demo and pin_problem.startswith("Problem"):
            return EXIT_INVALID
    if str(config.section("storage").get("engine", "sqlite")) == "postgresql":
        from intake.records.postgres.checks import server_findings

        print("Records server (PostgreSQL):")
        findings = server_findings(config)
        for level, words in findings:
            print(f"  {'Problem' if level == 'problem' else 'Warning' if level == 'warning' else 'OK'}: {words}")
        if any(level == "problem" for level, _ in findings):
            return EXIT_INVALID
    published = SCHEMAS_DIR / "record.schema.json"
    if config.schemas_dir == SCHEMAS_DIR and published.exists() and \
            json.loads(published.read_text(encoding="utf-8")) != engine.record_schema:
        print(f"Note: {published} is out of date; run `intake schema --out {published}`.")
        return EXIT_INVALID
    if not documents_complete:
        return EXIT_INVALID
    print("Everything checks out.")
    return EXIT_OK


def _document_texts(config) -> bool:
    """Prints whether the documents have every text in each language the clinic offers (False when one lacks any)."""
    from intake.documents.catalogue import missing_texts
    from intake.documents.templates import DOMAIN, LOCALE
    from intake.i18n import catalogue_path

    missing = {language: missing_texts(config.templates_dir, language) for language in config.document_languages}
    print(f"Documents: texts in {', '.join(config.document_languages)} ({config.templates_dir})" +
          ("" if any(missing.values()) else ": complete"))
    for language, problems in missing.items():
        if problems:
            print(f"  Problem: {len(problems)} document text(s) missing or wrong in {language!r}; fix them in "
                  f"{catalogue_path(config.templates_dir / LOCALE, DOMAIN, language)}:")
            print("\n".join(f"    {problem}" for problem in problems))
    return not any(missing.values())


def _shared_pin_problem(config) -> str | None:
    """A warning about [kiosk] staff_pin_hash: the demo PIN, or one PIN shared by everybody."""
    from intake.credentials import PinError, demo_allowed
    from intake.credentials import check_shared_pin as check_pin

    stored = config.section("kiosk").get("staff_pin_hash")
    if not stored:
        return None
    try:
        demo = check_pin("2468", stored)
    except PinError:
        demo = False
    if demo and not demo_allowed(config):
        return ("Problem: [kiosk] staff_pin_hash is the demo PIN 2468, which anyone can look up; kiosks refuse it. "
                "Add staff accounts (`intake staff add`) and remove staff_pin_hash, or set [kiosk] demo = true.")
    what = "the demo PIN 2468" if demo else "one PIN shared by all staff"
    return (f"Warning: [kiosk] staff_pin_hash is {what}: whoever knows it can countersign as any practitioner. "
            "Give each person their own PIN with `intake staff add` and remove staff_pin_hash.")


def cmd_schema(args: argparse.Namespace) -> int:
    """intake schema [--fhir] [--out FILE]"""
    engine = _engine(args)
    if args.fhir:
        from intake.fhirquestionnaire import fhir_questionnaire

        resource = fhir_questionnaire(engine.questionnaire, engine.language,
                                      publisher=engine.config.clinic.get("name"),
                                      policy=engine.config.age_policy)
        text = json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
    else:
        text = json.dumps(engine.record_schema, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK
