"""Provides exports of one intake as JSON, CSV (one row per answer) or a FHIR R4 QuestionnaireResponse."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intake import conditions
from intake.conditions import AgePolicy
from intake.questionnaire import LABEL_SEPARATOR, Question, Questionnaire, localize
from intake.records.checks import check_who
from intake.records.errors import StoreError, WorkflowError
from intake.records.model import EXPORT_FORMATS, GONE, IntakeView

if TYPE_CHECKING:
    from intake.records.store import Records

FORMATS = EXPORT_FORMATS
EXPORT_FORMAT = "intake-export/1"
CSV_COLUMNS = ("intake_id", "status", "consultation_date", "step_id", "step", "question_id", "question",
               "answer", "value")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A plain number (-12.5, +3) or a phone number (+44 7700 900123, +1-800-555-0199, +33 (0)1 23 45 67 89):
#: digits, with one space, hyphen or dot between groups, one bracketed group after the country code, no
#: second "+".
#: A spreadsheet can at most do arithmetic with such a cell: it names no function, cell, sheet or program.
_HARMLESS = re.compile(r"[+-]?\d+(\.\d+)?|\+\d+(?:[ .-]?\(\d+\))?(?:[ .-]?\d+)*")


def _identity(store: Records, intake: IntakeView) -> dict[str, str] | None:
    """The client's name and date of birth, inside the caller's transaction."""
    from intake.records import clients

    row = store.tables.checked("clients", intake.client_id) if intake.client_id else None
    return clients.open_identity(store.keyring, row["id"], row["identity"]) if row else None


def as_json(store: Records, intake: IntakeView, *, exported_at: str | None = None) -> dict[str, Any]:
    """The export document: the intake's state, record, assessment, decisions and document fingerprints."""
    from intake.records.workflow import canonical_sha256

    record = intake.record or store.engine.new_record(intake.consultation_date, intake.answers, intake.intake_id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at or store.now(),
        "intake": {
            "id": intake.intake_id, "status": intake.status, "consultation_date": intake.consultation_date,
            "questionnaire_version": intake.questionnaire_version, "started_at": intake.started_at,
            "updated_at": intake.updated_at, "submitted_at": intake.submitted_at, "signed_at": intake.signed_at,
            "kept_until": intake.retained_until, "client_id": intake.client_id,
        },
        "record": record,
        "record_sha256": canonical_sha256(record) if intake.record else None,
        "assessment": intake.assessment,
        "decisions": [{"practitioner": d.practitioner_id, "kind": d.kind, "reason": d.reason, "at": d.at,
                       "staff": d.staff, "device": d.device} for d in intake.decisions],
        "documents": [{"id": d.document_id, "kind": d.kind, "filename": d.filename, "sha256": d.sha256,
                       "size": d.size, "template_versions": dict(d.template_versions), "created_at": d.created_at}
                      for d in intake.documents],
    }


def spreadsheet_safe(value: str) -> str:
    """Stops spreadsheet programs reading a cell as a formula (OWASP CSV injection advice), recoverably.

    A cell that starts with = + - @ or a tab or line break is prefixed with an apostrophe, unless it is
    a plain number or a phone number (`_HARMLESS`), which is kept exactly as it is: `+44 7700 900123`
    stays, `+SUM(1)`, `-2+3`, `=HYPERLINK(...)` and `@cmd` are neutralised. A cell that starts with an
    apostrophe is prefixed too, so a typed `'=1+1` (`''=1+1`) and a typed `=1+1` (`'=1+1`) differ, and
    `typed_value` gives back exactly what was typed. Every cell is also quoted (csv.QUOTE_ALL), so a
    separator inside a value (a comma, or a semicolon for a program that splits on those) stays inside its cell.
    """
    if value.startswith("'") or (value.startswith(_FORMULA_START) and not _HARMLESS.fullmatch(value)):
        return "'" + value
    return value


def typed_value(cell: str) -> str:
    """The value a CSV cell was made from (the inverse of `spreadsheet_safe`): one leading apostrophe removed."""
    return cell[1:] if cell.startswith("'") else cell


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)


def shown_answer(questionnaire: Questionnaire, question: Question, value: Any, language: str) -> str:
    """An answer as people read it; an empty multiple choice is the answer 'None', not a missing one."""
    return questionnaire.word("none", language) if value == [] else questionnaire.display(question, value, language)


def csv_answer(questionnaire: Questionnaire, question: Question, value: Any, language: str) -> str:
    """The CSV's readable answer: as people read it, the chosen options' labels separated by LABEL_SEPARATOR,
    which no multi-choice label contains (a data check), so the list splits back unambiguously."""
    if question.type == "multi_choice" and isinstance(value, list) and value:
        return LABEL_SEPARATOR.join(questionnaire.display(question, [item], language) for item in value)
    return shown_answer(questionnaire, question, value, language)


def as_csv(questionnaire: Questionnaire, intake: IntakeView, language: str, policy: AgePolicy | None = None) -> str:
    """One row per answered question, in questionnaire order, with the answer as shown to people.

    With the clinic's ages and minors policy, questions shown on them (a minor's guardian) are included.
    """
    source = intake.record["answers"] if intake.record else intake.answers
    facts = conditions.facts_for(source, intake.consultation_date, policy) if policy else None
    answers = questionnaire.prune(source, facts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for question in questionnaire.visible(answers, facts):
        if question.id not in answers:
            continue
        value = answers[question.id]
        shown = csv_answer(questionnaire, question, value, language)
        step = questionnaire.step(question.step_id)
        writer.writerow([spreadsheet_safe(str(v)) for v in (
            intake.intake_id, intake.status, intake.consultation_date, step.id, localize(step.title, language),
            question.id, localize(question.label, language), shown, _raw(value))])
    return out.getvalue()


def export_intake(store: Records, intake_id: str, fmt: str, staff: str, device: str,
                  deliver: Callable[[str], None] | None = None) -> str:
    """Exports one intake, audited as 'exported' once `deliver` (which writes the text where it goes, durably)
    has returned: an export that could not be written is not recorded."""
    from intake.records import workflow

    check_who(staff, device)
    if fmt not in FORMATS:
        raise StoreError(f"{fmt!r} is not an export format; use one of: {', '.join(FORMATS)}.")
    with store.read("exporting an intake"):
        intake = workflow.load_view(store, intake_id)
        text = _export_text(store, intake, fmt)
    if deliver is not None:
        deliver(text)
    with store.write("recording an export"):
        store.audit("exported", staff=staff, device=device, intake_id=intake_id, client_id=intake.client_id,
                     format=fmt)
    return text


def _export_text(store: Records, intake: IntakeView, fmt: str) -> str:
    """The export of one intake in a format.

    Raises:
        WorkflowError, StoreError: the intake is gone, or cannot be said in that format.
    """
    from intake.records import fhir

    engine, intake_id = store.engine, intake.intake_id
    if intake.status in GONE:
        raise WorkflowError(f"intake {intake_id} was {intake.status}: there is nothing left to export.")
    source = intake.record["answers"] if intake.record else intake.answers
    unknown = sorted(set(source) - set(engine.questionnaire.by_id))
    if fmt != "json" and unknown:
        raise WorkflowError(f"intake {intake_id} was answered with questionnaire {intake.questionnaire_version}; "
                            f"questions {', '.join(unknown)} are not in the current questionnaire "
                            f"{engine.questionnaire.version}. Export it with --format json, which keeps "
                            "every answer.")
    if fmt == "json":
        return json.dumps(as_json(store, intake), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return as_csv(engine.questionnaire, intake, engine.language, engine.config.age_policy)
    resource = fhir.questionnaire_response(engine.questionnaire, intake, engine.language, _identity(store, intake),
                                          policy=engine.config.age_policy)
    found = fhir.problems(resource)
    if found:
        raise StoreError(f"the FHIR export of intake {intake_id} would not be a valid R4 "
                         f"QuestionnaireResponse ({found[0]}); nothing was exported.")
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
