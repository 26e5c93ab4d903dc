"""In-memory stand-ins for the record store and the documents package, for TUI tests only.

They follow the published APIs of intake.records.Store and intake.documents; the shipped app
always uses the real ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any


@dataclass
class DraftSummary:
    intake_id: str
    started_at: datetime
    updated_at: datetime
    step_id: str | None
    client_label: str
    device: str


@dataclass
class IntakeView:
    intake_id: str
    status: str
    consultation_date: str
    answers: dict
    step_id: str | None
    record: dict | None
    assessment: dict | None
    decisions: list
    documents: list


class FakeStore:
    """Keeps intakes in a dict; every call is logged in `events`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.intakes: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[str, str, dict]] = []
        self.now = now or datetime(2026, 11, 20, 10, 0)
        self.closed = False
        self.fail_next: Exception | None = None

    def _log(self, event: str, intake_id: str, **details: Any) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.events.append((event, intake_id, details))

    def start_intake(self, *, staff: str, device: str, consultation_date: str) -> str:
        intake_id = f"intake-{len(self.intakes) + 1:04d}"
        self._log("start", intake_id, staff=staff, device=device)
        self.intakes[intake_id] = {"status": "draft", "consultation_date": consultation_date, "steps": {},
                                   "step_id": None, "record": None, "assessment": None, "decisions": [],
                                   "documents": [], "device": device}
        return intake_id

    def save_step(self, intake_id, *, step_id, answers, next_step, staff, device) -> None:
        self._log("save_step", intake_id, step_id=step_id, next_step=next_step, answers=dict(answers))
        intake = self.intakes[intake_id]
        intake["steps"][step_id] = json.loads(json.dumps(answers))
        intake["step_id"] = next_step

    def _answers(self, intake: dict) -> dict:
        merged: dict = {}
        for answers in intake["steps"].values():
            merged.update(answers)
        return merged

    def drafts(self) -> list[DraftSummary]:
        found = []
        for intake_id, intake in self.intakes.items():
            if intake["status"] in ("draft", "submitted"):
                name = self._answers(intake).get("full_name", "")
                found.append(DraftSummary(intake_id, self.now, self.now, intake["step_id"], name, intake["device"]))
        return found

    def load_intake(self, intake_id: str) -> IntakeView:
        intake = self.intakes[intake_id]
        return IntakeView(intake_id, intake["status"], intake["consultation_date"], self._answers(intake),
                          intake["step_id"], intake["record"], intake["assessment"], list(intake["decisions"]),
                          list(intake["documents"]))

    def find_returning(self, full_name: str, date_of_birth: str) -> dict | None:
        return None

    def submit(self, intake_id, *, record, assessment, staff, device) -> None:
        self._log("submit", intake_id, verdict=assessment["verdict"])
        intake = self.intakes[intake_id]
        intake.update(status="submitted", record=json.loads(json.dumps(record)), assessment=assessment)

    def record_decision(self, intake_id, *, practitioner_id, kind, reason, staff, device) -> None:
        self._log("decision", intake_id, practitioner_id=practitioner_id, kind=kind, reason=reason)
        self.intakes[intake_id]["decisions"].append((practitioner_id, kind, reason))

    def add_documents(self, intake_id, documents, *, staff, device) -> None:
        self._log("documents", intake_id, kinds=[d.kind for d in documents])
        intake = self.intakes[intake_id]
        intake["documents"].extend(documents)
        intake["status"] = "complete"

    def close(self) -> None:
        self.closed = True


@dataclass
class Signature:
    method: str
    name: str
    intent_statement: str
    signed_at: datetime
    strokes: list = field(default_factory=list)


@dataclass
class Countersignature:
    practitioner_id: str
    signed_at: datetime
    decision: str
    reason: str = ""
    plan: Any = None


@dataclass
class Document:
    kind: str
    filename: str
    pdf: bytes
    sha256: str
    template_versions: dict


@dataclass
class Packet:
    documents: list[Document]

    def write(self, out_dir: Path) -> list[Path]:
        paths = []
        for document in self.documents:
            path = Path(out_dir) / document.filename
            path.write_bytes(document.pdf)
            paths.append(path)
        return paths


class FakeRenderer:
    """Records each render call; `delay` seconds of busy work imitate a slow renderer."""

    delay = 0.0
    fail: Exception | None = None
    calls: list[dict] = []

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def render(self, record, *, client_signature, countersignature, photo_signature=None, sealed=True) -> Packet:
        if self.fail is not None:
            raise self.fail
        end = time.perf_counter() + self.delay
        while time.perf_counter() < end:
            sum(range(1000))  # busy, holding the GIL like real layout work
        FakeRenderer.calls.append({"record": record, "client": client_signature, "photo": photo_signature,
                                   "countersignature": countersignature, "thread": threading.current_thread().name})
        verdict = self.engine.assess(record).verdict
        kinds = ["deferral_letter"] if verdict == "defer" else ["consent", "record"]
        if photo_signature is not None and verdict != "defer":
            kinds.append("photo_consent")
        docs = []
        for kind in kinds:
            pdf = b"%PDF-1.7 fake " + json.dumps({"kind": kind, "record": record["record_id"]}).encode()
            docs.append(Document(kind, f"{record.get('record_id', 'intake')}-{kind}.pdf", pdf,
                                 hashlib.sha256(pdf).hexdigest(), {kind: "test"}))
        return Packet(docs)


def fake_documents() -> SimpleNamespace:
    """A stand-in for the intake.documents package."""
    return SimpleNamespace(PacketRenderer=FakeRenderer, Signature=Signature, Countersignature=Countersignature)
