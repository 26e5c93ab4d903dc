"""Provides the wizard's side of laying the documents out ahead: preparing for what the practitioner's screen shows.

The practitioner's screen notes what it would countersign with (`ClientState.expected`); `prepare`
asks the renderer to lay the documents out for that at the current minute, and `prepared_for` tells
whether the countersignature finally kept is the one prepared. The renderer only ever uses a
preparation for identical documents, so these decide speed, never what the documents say.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from intake.lifecycle import Lifecycle
from intake.text import check_reason
from intake.tui.state import ClientState


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
        counter = lifecycle.expected_countersignature(intake, expected.practitioner_id, expected.decision,
                                                      expected.reason, expected.plan, now())
        if state.prepared == (expected, counter.signed_at):
            return True
        state.prepared = None
        if not lifecycle.prepare(intake, counter):
            return False
        state.prepared = (expected, counter.signed_at)
        return True


def prepared_for(state: ClientState) -> bool:
    """True when the countersignature kept is the one the documents were laid out ahead for (to the minute)."""
    counter, prepared = state.counter, state.prepared
    if counter is None or prepared is None:
        return False
    expected, signed_at = prepared
    return (signed_at == counter.signed_at and expected.practitioner_id == counter.practitioner_id
            and expected.decision == counter.decision and expected.plan == counter.plan
            and check_reason(expected.reason, required=False) == counter.reason)
