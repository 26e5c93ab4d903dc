"""Provides the wizard's side of laying the documents out ahead: preparing for what the practitioner's screen shows.

The practitioner's screen notes what it would countersign with (`ClientState.expected`); `prepare`
asks the renderer to lay the documents out for that at the current minute, and `prepared_for` tells
whether the countersignature finally kept is the one prepared. The renderer only ever uses a
preparation for identical documents, so these decide speed, never what the documents say.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from intake.lifecycle import Lifecycle
from intake.tui.state import ClientState

if TYPE_CHECKING:
    from intake.documents.model import Countersignature


def prepare(lifecycle: Lifecycle, state: ClientState, now: Callable[[], datetime], turn: threading.Lock) -> bool:
    """Lays the documents out ahead for the state's latest expectation at the current minute (a worker thread).

    Does nothing when that was prepared already. Preparations take turns (`turn`): a call waiting for an
    earlier one reads the expectation when its turn comes, so the newest always ends up prepared.

    Returns:
        True when documents for the expectation are prepared.

    Raises:
        IntakeError: the renderer refused the expected inputs (the countersignature will say why).
    """
    with turn:
        expected, intake = state.expected, state.intake
        if expected is None or intake is None or intake.status == "draft" or intake.documents:
            return False
        moment = now()
        day = moment.astimezone(lifecycle.engine.config.timezone).date()
        history = lifecycle.pending_history(expected.history, expected.practitioner_id, expected.decision,
                                            expected.reason, day, expected.supersede)
        counter = lifecycle.expected_countersignature(intake, expected.practitioner_id, expected.plan, moment, history)
        if state.prepared is not None and same_documents(state.prepared, counter):
            return True
        state.prepared = None
        if not lifecycle.prepare(intake, counter):
            return False
        state.prepared = counter
        return True


def same_documents(prepared: Countersignature, counter: Countersignature) -> bool:
    """True when two countersignatures make the same documents (only the exact sealing moment may differ)."""
    return replace(prepared, sealed_at=None) == replace(counter, sealed_at=None)


def prepared_for(state: ClientState) -> bool:
    """True when the countersignature kept is the one the documents were laid out ahead for (to the minute)."""
    counter, prepared = state.counter, state.prepared
    return counter is not None and prepared is not None and same_documents(prepared, counter)
