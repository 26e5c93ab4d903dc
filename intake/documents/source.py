"""Provides DocumentSource: what documents that are not an intake's are made from (a visit's, for instance).

The renderer lays them out, writes and seals them exactly as it does the consultation's
(`PacketRenderer.render_documents`); only the embedded data and the template context differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intake.documents.witness import AuditWitness


@dataclass(frozen=True)
class DocumentSource:
    """One set of documents to make.

    Attributes:
        kinds: the kinds of document (each a main template of templates/).
        record_id: what the documents are about (a visit id); names the files and the document properties.
        verdict: what the packet comes to (for a visit: its status).
        issued_at: when the documents are issued (timezone-aware).
        data: the data embedded in every document (plain JSON data; the renderer adds each document's template
            versions under "documents", as in the consultation's).
        context: the template variables shared by every document.
        witness: where the audit trail stood, written into the sealed revision (None: not said).
    """

    kinds: tuple[str, ...]
    record_id: str
    verdict: str
    issued_at: datetime
    data: Mapping[str, Any] = field(repr=False)  # health data: kept out of logs and tracebacks
    context: Mapping[str, Any] = field(repr=False)
    witness: AuditWitness | None = None
