"""Provides the data embedded in every document: validated answers, assessment, plan, signatures, versions.

The bytes are canonical (sorted keys, fixed separators, UTF-8), so the same inputs always give the
same bytes and the same fingerprint, which is printed in each document and checked by `intake verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intake import __version__
from intake.documents.context import Inputs
from intake.documents.model import DecisionNote, utc_text

if TYPE_CHECKING:
    from intake.engine import Engine

PAYLOAD_FORMAT = "intake-document-data/1"
ATTACHMENT_NAME = "intake-data.json"
ATTACHMENT_DESCRIPTION = "Validated intake answers, suitability assessment and treatment plan (JSON)"


def build_payload(engine: Engine, inputs: Inputs, templates: Mapping[str, Mapping[str, str]],
                  template_sets: Mapping[str, str]) -> dict[str, Any]:
    """The embedded data for one packet.

    Args:
        engine: the engine the packet was made with.
        inputs: the checked inputs.
        templates: for each document kind in the packet, each template file's version.
        template_sets: for each document kind, the combined template version printed on its pages.
    """
    record = inputs.record
    counter = inputs.counter
    practitioner = None
    if counter is not None:
        decided = counter.decision != "none"
        practitioner = {
            **_person(engine, counter.practitioner_id), "signed_at": utc_text(counter.signed_at),
            "decision": counter.decision, "reason": counter.reason,
            # who made the decision in force (not necessarily the countersigner), and the earlier ones
            "decided_by": _person(engine, counter.decided_by or counter.practitioner_id) if decided else None,
            "decided_on": (counter.decided_on or counter.signed_at.astimezone(engine.config.timezone).date()
                           ).isoformat() if decided else None,
            "history": [_note(engine, note) for note in counter.history],
        }
    ordered = {q.id: inputs.answers[q.id] for q in engine.questionnaire.questions() if q.id in inputs.answers}
    entered = {"entered_at": utc_text(inputs.entered_at)} if inputs.entered_at else {}  # signatures entered later
    return {
        **entered,
        "format": PAYLOAD_FORMAT,
        "generator": f"intake {__version__}",
        "clinic": {"name": engine.config.clinic["name"], "timezone": engine.config.clinic["timezone"]},
        "record": {
            "format": record.get("format"),
            "record_id": inputs.record_id,
            "record_id_derived": inputs.record_id_derived,
            "questionnaire_version": record.get("questionnaire_version", engine.questionnaire.version),
            "consultation_date": record["consultation_date"],
            "language": record.get("language", engine.language),
            **({"documents_language": record["documents_language"]} if record.get("documents_language") else {}),
            "answers": ordered,
        },
        "assessment": inputs.assessment.to_dict(),
        "plan": inputs.plan.to_dict() if inputs.plan is not None else None,
        "versions": {
            "questionnaire": engine.questionnaire.version,
            "rules": engine.rules.version,
            "treatment": engine.treatment.version,
        },
        "signatures": {
            "client": inputs.client.to_dict() if inputs.client else None,
            "photo": inputs.photo.to_dict() if inputs.photo else None,
            "practitioner": practitioner,
        },
        "issued_at": utc_text(inputs.issued_at),
        "documents": {
            kind: {"template_set": template_sets[kind], "templates": dict(versions)}
            for kind, versions in templates.items()
        },
    }


def encode(payload: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes."""
    return (json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def fingerprint(data: bytes) -> str:
    """The SHA-256 of the embedded data, as printed in the documents."""
    return hashlib.sha256(data).hexdigest()


def _person(engine: Any, practitioner_id: str) -> dict[str, Any]:
    person = engine.config.practitioner(practitioner_id)
    return {"id": person.id, "name": person.name, "role": person.role, "registration": person.registration}


def _note(engine: Any, note: DecisionNote) -> dict[str, Any]:
    """A superseded decision or a correction as embedded data (answers by question id, values as recorded)."""
    return {"kind": note.kind, "by": _person(engine, note.practitioner_id), "on": note.on.isoformat(),
            "reason": note.reason, "superseded_on": note.superseded_on.isoformat() if note.superseded_on else None,
            "superseded_by": _person(engine, note.superseded_by) if note.superseded_by else None,
            "replaced_because": note.replaced_because,
            "changes": [{"question": q, "from": before, "to": after} for q, before, after in note.changes]}


def embedded_data(pdf: bytes) -> dict[str, Any]:
    """The data a document made by intake embeds (its record, assessment, plan, signatures), read back.

    Raises:
        ValueError: the file holds no intake document data.
    """
    import io

    from pypdf import PdfReader

    try:
        files = PdfReader(io.BytesIO(pdf)).attachments.get(ATTACHMENT_NAME) or []
        payload = json.loads(files[0].decode("utf-8")) if len(files) == 1 else None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is "no intake data", said plainly by the caller
        raise ValueError(f"the document's embedded data cannot be read ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        raise ValueError("the document embeds no intake document data")
    return payload
