"""Provides the lifecycle's documents: the renderer made once, what it is given, and the rendered documents kept.

`Lifecycle` (intake.lifecycle.core) presents these to the front ends (render, prepare, keep_documents...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.lifecycle.model import Actor, Intake, LifecycleError, Renderer

if TYPE_CHECKING:
    from intake.documents.model import Countersignature, Packet
    from intake.engine import Engine
    from intake.records.interface import RecordStore


def make_renderer(engine: Engine, source: Renderer | Callable[[], Renderer] | None) -> Renderer:
    """The renderer `source` names: the packet renderer when None, made by calling a factory, or as given."""
    if source is None:
        from intake.documents import PacketRenderer

        return PacketRenderer(engine)
    if callable(source) and not hasattr(source, "render"):
        made: Renderer = source()
        return made
    return source  # type: ignore[return-value]


def render_arguments(intake: Intake, counter: Countersignature | None, sealed: bool,
                     now: datetime) -> dict[str, Any]:
    """What the renderer is given for an intake: a deferral letter's inputs, or the consent's (signed).

    Raises:
        LifecycleError: the intake is not submitted, or a consent lacks the client's signature.
    """
    if intake.record is None or intake.assessment is None:
        raise LifecycleError("the intake is not submitted yet: there is nothing to render.")
    if intake.verdict == "defer":
        return {"record": intake.record, "countersignature": counter, "sealed": sealed,
                "issued_at": None if counter else now, "kind_stop": intake.kind_stop}
    if intake.signatures is None:
        raise LifecycleError("the client has not signed yet: a consent needs the client's signature.")
    return {"record": intake.record, "client_signature": intake.signatures.consent, "countersignature": counter,
            "photo_signature": intake.signatures.photo, "sealed": sealed, "issued_at": None}


def keep(store: RecordStore, intake: Intake, packet: Packet, actor: Actor, folder: Path) -> list[Path]:
    """Records the rendered documents in the store (signing the intake), then writes them (0600) in `folder`."""
    intake.status = store.add_documents(intake.intake_id, packet.documents, staff=actor.staff, device=actor.device)
    paths = [Path(p) for p in packet.write(folder / intake.intake_id)]
    intake.documents = paths
    intake.signatures = None
    return paths


def sweep(out_dir: Path) -> list[Path]:
    """Removes the partial documents killed writes left in a documents folder (their writer gone); returns them."""
    from intake.documents.model import sweep_documents

    return sweep_documents(out_dir)
