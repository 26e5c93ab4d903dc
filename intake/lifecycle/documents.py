"""Provides DocumentsPart: the lifecycle's documents, from laying them out ahead to keeping them (part of Lifecycle)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.lifecycle.model import Actor, Intake, LifecycleError, Renderer
from intake.lifecycle.seal import ensure_seal

if TYPE_CHECKING:
    from intake.documents.model import Countersignature, Packet
    from intake.engine import Engine
    from intake.records.store import Store


class DocumentsPart:
    """Rendering, preparing ahead, keeping and placing an intake's documents; Lifecycle provides the rest."""

    engine: Engine
    store: Store
    clock: Callable[[], datetime]

    if TYPE_CHECKING:  # what Lifecycle provides
        def renderer(self) -> Renderer: ...

        @property
        def has_renderer(self) -> bool: ...

    def ensure_seal(self, signed_at: datetime | None = None) -> bool:
        """Makes the demo clinic's seal on first use; True when it was made now (see `ensure_seal`)."""
        return ensure_seal(self.engine.config, min(signed_at or self.clock(), self.clock()))

    def render(self, intake: Intake, countersignature: Countersignature | None, *, sealed: bool = True) -> Packet:
        """Renders the intake's documents: consent + aftercare, or for a deferral the letter (no client signature).

        Meant for a worker thread: it touches only the renderer. Documents prepared for exactly these
        inputs (see `prepare`) are only sealed.
        """
        renderer = self.renderer()
        return renderer.render(**self._render_arguments(intake, countersignature, sealed))

    def prepare(self, intake: Intake, countersignature: Countersignature) -> bool:
        """Lays the documents out ahead for an expected countersignature (a worker thread, while the practitioner
        reviews); False when the renderer cannot prepare. A `render` with other inputs ignores the preparation.

        Raises:
            The renderer's errors for inputs that do not fit (nothing is kept then).
        """
        prepare = getattr(self.renderer(), "prepare", None)
        if prepare is None:
            return False
        arguments = self._render_arguments(intake, countersignature, True)
        del arguments["sealed"], arguments["issued_at"]
        return bool(prepare(**arguments))

    def forget_prepared(self) -> None:
        """Drops documents prepared ahead (the client has gone); does nothing before the renderer is made."""
        forget = getattr(self.renderer(), "forget", None) if self.has_renderer else None
        if forget is not None:
            forget()

    def _render_arguments(self, intake: Intake, counter: Countersignature | None, sealed: bool) -> dict[str, Any]:
        if intake.record is None or intake.assessment is None:
            raise LifecycleError("the intake is not submitted yet: there is nothing to render.")
        if intake.verdict == "defer":
            return {"record": intake.record, "countersignature": counter, "sealed": sealed,
                    "issued_at": None if counter else self.clock(), "kind_stop": intake.kind_stop}
        if intake.signatures is None:
            raise LifecycleError("the client has not signed yet: a consent needs the client's signature.")
        return {"record": intake.record, "client_signature": intake.signatures.consent, "countersignature": counter,
                "photo_signature": intake.signatures.photo, "sealed": sealed, "issued_at": None}

    def keep_documents(self, intake: Intake, packet: Packet, actor: Actor, out_dir: Path | None = None) -> list[Path]:
        """Records the rendered documents in the store (signing the intake), then writes them (0600)."""
        intake.status = self.store.add_documents(intake.intake_id, packet.documents, staff=actor.staff,
                                                 device=actor.device)
        paths = [Path(p) for p in packet.write((out_dir or self.out_dir) / intake.intake_id)]
        intake.documents = paths
        intake.signatures = None
        return paths

    def sweep_partials(self) -> list[Path]:
        """Removes the partial documents a killed write left in the documents folder (their writer gone); returns
        them. The documents are in the store: `intake records reprint` writes them again."""
        from intake.documents.model import sweep_documents

        return sweep_documents(self.out_dir)

    @property
    def out_dir(self) -> Path:
        """The configured documents folder (one folder per intake inside it)."""
        folder = self.engine.config.path("documents", "out_dir", "intake-documents")
        assert folder is not None  # a default is given
        return folder

