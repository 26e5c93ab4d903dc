"""An in-memory stand-in for the documents package (PacketRenderer, Signature, Countersignature), for TUI tests only.

It follows the published API of intake.documents; the shipped app always uses the real package.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any


@dataclass
class Signature:
    method: str
    name: str
    intent_statement: str
    signed_at: datetime
    strokes: list = field(default_factory=list)
    aspect_ratio: float = 3.0


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
        Path(out_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        paths = []
        for document in self.documents:
            path = Path(out_dir) / document.filename
            path.write_bytes(document.pdf)
            paths.append(path)
        return paths


class FakeRenderer:
    """Records each render call; `delay` seconds of busy work imitate a slow renderer, and go on while `busy_until`
    (when set) says not yet, for at most a minute."""

    delay = 0.0
    busy_until: Callable[[], bool] | None = None
    fail: Exception | None = None
    calls: list[dict] = []

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seal_identity = "fake seal"

    def statement(self, kind: str, language: str | None = None) -> str:
        words = f"I agree to the {kind} [b]as printed[/b]."
        return words if language in (None, self.engine.language) else f"{words} ({language})"

    def render(self, record, *, client_signature=None, countersignature=None, photo_signature=None, sealed=True,
               issued_at=None, kind_stop=False) -> Packet:
        if self.fail is not None:
            raise self.fail
        start = time.perf_counter()
        end, done = start + self.delay, FakeRenderer.busy_until
        while time.perf_counter() < end or (done is not None and not done() and time.perf_counter() < start + 60):
            sum(range(1000))  # busy, holding the GIL like real layout work
        FakeRenderer.calls.append({"record": record, "client": client_signature, "photo": photo_signature,
                                   "countersignature": countersignature, "thread": threading.current_thread().name})
        verdict = (self.engine.assessor.assess(record) if kind_stop else self.engine.assess(record)).verdict
        kinds = ["deferral_letter"] if verdict == "defer" else ["consent", "aftercare"]
        docs = []
        for kind in kinds:
            pdf = b"%PDF-1.7 fake " + json.dumps({"kind": kind, "record": record["record_id"]}).encode()
            docs.append(Document(kind, f"{record.get('record_id', 'intake')}-{kind}.pdf", pdf,
                                 hashlib.sha256(pdf).hexdigest(), {kind: "test"}))
        return Packet(docs)


def fake_documents() -> SimpleNamespace:
    """A stand-in for the intake.documents package."""
    return SimpleNamespace(PacketRenderer=FakeRenderer, Signature=Signature, Countersignature=Countersignature,
                           create_seal_identity=lambda config, **options: None)
