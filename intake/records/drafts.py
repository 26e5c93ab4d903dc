"""Provides drafts: starting an intake, saving it step by step, and listing the drafts that can be resumed.

Used by Records (intake.records.store) on every engine; each change is one write transaction with its audit entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from intake.dates import parse_iso_date
from intake.errors import InvalidRecordError
from intake.records.checks import check_who, require_draft
from intake.records.errors import StoreError, TamperedRecordError
from intake.records.model import DraftSummary, Row, client_label, new_id
from intake.validation import Problem

if TYPE_CHECKING:
    from intake.engine import Engine
    from intake.records.store import Records


#: A choice's name as the record names it ("language"; a documents' language would be "documents_language").
_CHOICE = re.compile(r"^[a-z][a-z_]{0,39}$")
#: A language code: 'de', 'en-US', 'de_AT'.
_CODE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$")


def language_text(languages: Mapping[str, str] | None) -> str | None:
    """The languages a client chose as the store keeps them (canonical JSON), None for none.

    Raises:
        StoreError: a choice or a code that is not one (nothing is stored).
    """
    if not languages:
        return None
    if not isinstance(languages, Mapping) or any(
            not isinstance(k, str) or not _CHOICE.match(k) or not isinstance(v, str) or not _CODE.match(v)
            for k, v in languages.items()):
        raise StoreError(f"the languages chosen must name each choice and its language code, as "
                         f"{{'language': 'de'}}; got {languages!r}.")
    return json.dumps(dict(languages), sort_keys=True, separators=(",", ":"))


def languages_of(row: Row) -> dict[str, str]:
    """The languages a client chose for an intake ({} for one stored before they were kept: the clinic's)."""
    text = row.get("languages")
    found = json.loads(text) if text else {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def start(store: Records, *, staff: str, device: str, consultation_date: str,
          claim: Callable[[str], None] | None = None, languages: Mapping[str, str] | None = None) -> str:
    """Starts a new draft and returns its id; `claim(id)` runs in the same transaction (imports.claim).

    Args:
        languages: what the client chose, named as the record names it ({"language": "de"}); None for the clinic's.
    """
    check_who(staff, device)
    if parse_iso_date(consultation_date) is None:
        raise StoreError(f"the consultation date {consultation_date!r} is not a date written as YYYY-MM-DD.")
    chosen = language_text(languages)
    intake_id, version = new_id(), store.engine.questionnaire.version
    with store.write("starting an intake"):
        now = store.now()
        store.tables.insert("intakes", {
            "id": intake_id, "client_id": None, "status": "draft", "consultation_date": consultation_date,
            "questionnaire_version": version, "started_at": now, "updated_at": now, "started_by": staff,
            "device": device, "answers": store.seal_value(intake_id, "answers", {}), "languages": chosen})
        store.audit("started", staff=staff, device=device, intake_id=intake_id,
                    consultation_date=consultation_date, questionnaire_version=version,
                    **({"languages": json.loads(chosen)} if chosen else {}))
        if claim:
            claim(intake_id)
    return intake_id


def _step_answers(engine: Engine, step_id: str, answers: Mapping[str, Any], next_step: str | None) -> dict[str, Any]:
    """The given (non-empty) answers of a step, refusing an unknown step or a question of another step."""
    questionnaire = engine.questionnaire
    step_ids = {s.id for s in questionnaire.steps}
    if step_id not in step_ids or (next_step is not None and next_step not in step_ids):
        unknown = step_id if step_id not in step_ids else next_step
        raise StoreError(f"{unknown!r} is not a step of questionnaire {questionnaire.version}.")
    own = {q.id for q in questionnaire.step(step_id).questions}
    strangers = sorted(set(answers) - own)
    if strangers:
        raise InvalidRecordError([Problem(k, k, f"'{k}' is not a question of step '{step_id}'.", step_id)
                                  for k in strangers])
    return {k: v for k, v in dict(answers).items() if v is not None}


def save_step(store: Records, intake_id: str, *, step_id: str, answers: Mapping[str, Any], next_step: str | None,
              staff: str, device: str) -> None:
    """Saves one step's answers (all or part of them) durably before returning: they replace that step's
    earlier answers, answers to questions they hide are dropped, each is checked as the wizard checks it.

    Raises:
        InvalidRecordError: an answer is not acceptable (problems name the questions).
        WorkflowError: the intake is no longer a draft.
    """
    check_who(staff, device)
    given = _step_answers(store.engine, step_id, answers, next_step)
    questionnaire = store.engine.questionnaire
    own = {q.id for q in questionnaire.step(step_id).questions}
    with store.write(f"saving step '{step_id}'"):
        row = store.row(intake_id)
        require_draft(intake_id, row["status"])
        before = store.open_sealed(intake_id, "answers", row["answers"], "answers") or {}
        merged = {k: v for k, v in before.items() if k not in own}
        merged.update(given)
        merged = questionnaire.prune(merged)
        problems = [p for p in store.engine.validator.step_problems(step_id, merged, row["consultation_date"])
                    if p.field in given]
        if problems:
            raise InvalidRecordError(problems)
        store.update_identity(intake_id, before, merged, row["client_id"])
        store.tables.update("intakes", intake_id, answers=store.seal_value(intake_id, "answers", merged),
                            step_id=step_id, next_step=next_step, updated_at=store.now())
        store.audit("step_saved", staff=staff, device=device, intake_id=intake_id, step=step_id,
                    next_step=next_step, answers=len(given))


def choose_languages(store: Records, intake_id: str, languages: Mapping[str, str], *, staff: str,
                     device: str) -> None:
    """Changes what the client chose for a draft (the choices given replace those of the same name; the others stay).

    Raises:
        WorkflowError: the intake is no longer a draft (its record keeps the language it was made in).
    """
    check_who(staff, device)
    language_text(languages)
    with store.write("keeping the client's language"):
        row = store.row(intake_id)
        require_draft(intake_id, row["status"])
        merged = {**languages_of(row), **languages}
        store.tables.update("intakes", intake_id, languages=language_text(merged), updated_at=store.now())
        store.audit("languages_chosen", staff=staff, device=device, intake_id=intake_id, languages=dict(languages))


def listed(store: Records) -> list[DraftSummary]:
    """Drafts that can be resumed, most recently saved first (inside the caller's read)."""
    return [DraftSummary(row["id"], row["started_at"], row["updated_at"], row["step_id"], _draft_label(store, row),
                         row["device"], row["next_step"], languages_of(row))
            for row in store.backend.drafts()]


def _draft_label(store: Records, row: Row) -> str:
    """The client label of a draft, or a plain warning for a damaged one (the others still list)."""
    try:
        store.tables.check("intakes", row)
        return store.open_sealed(row["id"], "label", row["label"], "client label") or client_label(None, None)
    except TamperedRecordError:
        return "(damaged: changed outside intake; run `intake audit verify`)"
