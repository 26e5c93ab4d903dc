"""Provides PreparedPDFs: documents laid out and written ahead of the countersignature, waiting for their seal.

Laying a packet out takes most of a render; sealing it takes a few tens of milliseconds. While the
practitioner reviews, everything the documents print is known but the moment of countersigning,
and the documents print that moment to the minute (see intake.lifecycle.document_time). So the
renderer can write the PDFs for the expected countersignature ahead of time and keep them here;
the real render looks each document up by a digest of *everything* that goes into writing it (the
final HTML, the embedded data, the creation time and the information entries). A preparation made
for other inputs (another plan, decision, reason, minute or client) has another digest and is never
used: the render then writes the PDF itself, as it always did. The renderer's stylesheets, fonts,
paper and assets are fixed for its lifetime, and the store belongs to one renderer.

The store holds the documents of the last `KEPT` preparations (the wizard prepares the minute on
the clock and, shortly before it turns, the coming one, so a press on either side of the turn finds
its documents). A document whose digest is already held is not written again (`missing`), so a
preparation costs only the documents a change actually altered.

Nothing prepared is shown, stored or written anywhere: it is in memory only, evicted two
preparations later, taken by the next sealed render, and dropped by `forget()` (the next client).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Mapping
from datetime import datetime

#: How many preparations' documents are held (the current minute's and the coming minute's).
KEPT = 2


def layout_key(html: str, attachment: bytes, created: datetime, info: Mapping[str, str]) -> str:
    """The digest of everything one unsealed PDF is written from (besides the renderer's own fixed settings)."""
    digest = hashlib.sha256()
    for part in (html.encode("utf-8"), attachment, created.isoformat().encode("ascii"),
                 *(f"{k}\x1f{v}".encode() for k, v in sorted(info.items()))):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class PreparedPDFs:
    """The unsealed PDFs of the last `KEPT` prepared packets, by layout key; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pdfs: dict[str, bytes] = {}
        self._sets: list[frozenset[str]] = []  # the keys of each preparation kept, oldest first
        self._generation = 0

    def begin(self) -> int:
        """Marks the start of a preparation; `keep` refuses its result if `forget` was called meanwhile."""
        with self._lock:
            return self._generation

    def missing(self, keys: Collection[str]) -> list[str]:
        """Those of `keys` that no preparation holds (the documents a new preparation must write)."""
        with self._lock:
            return [key for key in keys if key not in self._pdfs]

    def keep(self, generation: int, keys: Collection[str], pdfs: Mapping[str, bytes]) -> bool:
        """Keeps the preparation of documents `keys`, newly written `pdfs` among them (the others already held), as
        the newest; the documents of the preparations before the last `KEPT` are dropped. Nothing is kept when
        forgotten since `begin` or when a key is neither written nor held. True when kept."""
        with self._lock:
            if generation != self._generation or any(k not in pdfs and k not in self._pdfs for k in keys):
                return False
            self._pdfs.update(pdfs)
            newest = frozenset(keys)
            self._sets = [*(s for s in self._sets if s != newest), newest][-KEPT:]
            held = frozenset().union(*self._sets)
            self._pdfs = {key: pdf for key, pdf in self._pdfs.items() if key in held}
            return True

    def take(self) -> dict[str, bytes]:
        """Everything prepared, removed from the store (a render uses a preparation at most once)."""
        with self._lock:
            pdfs, self._pdfs, self._sets = self._pdfs, {}, []
            return pdfs

    def forget(self) -> None:
        """Drops everything prepared, and any preparation still under way."""
        with self._lock:
            self._pdfs, self._sets = {}, []
            self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._pdfs)
