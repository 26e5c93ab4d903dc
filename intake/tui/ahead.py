"""Provides the wizard's side of laying the documents out ahead: preparing for what the practitioner's screen shows.

The practitioner's screen notes what it would countersign with (`ClientState.expected`); `prepare`
asks the renderer to lay the documents out for that at the current minute and, in the last
`LEAD_SECONDS` of a minute, at the coming one too, so a press on either side of the minute's turn
finds its documents laid out. `prepared_for` tells whether the countersignature finally kept is one
prepared (or being prepared: the render then waits for that preparation instead of starting over).
The renderer only ever uses a preparation for identical documents, so these decide speed, never
what the documents say.

CPU bound: the renderer holds the last `KEPT` preparations, the same rule as `ClientState.prepared`
here. While the screen is open and nothing changes, one packet is laid out per minute (the coming
minute's, `LEAD_SECONDS` before it turns); a change lays out the current minute's packet again, and
in the last `LEAD_SECONDS` of a minute the coming minute's too, but not at once: the press most likely
follows the change within a second or two, and the renderer does one layout at a time, so a press
during the coming minute's layout would wait for it. After a change the coming minute is laid out
`CHANGE_GRACE` seconds later, or `turn_margin` before the turn if that comes first (a margin that
follows how long the last preparations took, so a loaded machine starts earlier).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from intake.documents.prepared import KEPT
from intake.lifecycle import Lifecycle
from intake.tui.state import ClientState, Expected

if TYPE_CHECKING:
    from intake.documents.model import Countersignature
    from intake.lifecycle import Intake

#: Seconds before the minute turns from which the coming minute's documents are laid out too (more than a
#: layout takes on a loaded machine, a few seconds).
LEAD_SECONDS = 15.0
#: Seconds before the minute turns from which the coming minute is laid out before the current one (about a quiet
#: layout's time: a press after a change made earlier than that is likelier to fall in the current minute).
LAST_MOMENT = 0.5
#: Seconds after a change before the coming minute is laid out (when the change came in the last LEAD_SECONDS):
#: the press that most likely follows the change then finds the renderer free.
CHANGE_GRACE = 2.0
#: The coming minute is laid out no later than this many of the last preparations' times before the turn ...
MARGIN_LAYOUTS = 2.0
#: ... and no later than this many seconds before it.
MIN_MARGIN = 1.0
#: A preparation's wall time assumed before any was timed (a quiet machine's packet, with room).
FIRST_LAYOUT = 1.0


@dataclass
class Pace:
    """How long the last preparations took (wall seconds, the renderer's queue included): how early before a
    minute's turn its layout must start. Not about any client: kept by the session for as long as it runs."""

    recent: deque[float] = field(default_factory=lambda: deque(maxlen=3))

    def timed(self, seconds: float) -> None:
        """Notes how long a preparation that laid documents out took."""
        self.recent.append(seconds)

    @property
    def layout(self) -> float:
        """The longest of the last few preparations (FIRST_LAYOUT before any)."""
        return max(self.recent, default=FIRST_LAYOUT)


def turn_margin(layout: float) -> float:
    """Seconds before a minute's turn by which a change's hold on the coming minute ends (see CHANGE_GRACE)."""
    return max(MIN_MARGIN, MARGIN_LAYOUTS * layout)


def _into(now: datetime) -> float:
    """Seconds into the minute at `now`."""
    return now.second + now.microsecond / 1e6


def _holds_turn(into: float, changed: bool, layout: float) -> bool:
    """True when a change made `into` seconds into the minute holds the coming minute's layout back: in the last
    LEAD_SECONDS, until `turn_margin` before the turn."""
    return changed and 60 - LEAD_SECONDS <= into < 60 - turn_margin(layout)


def moments(now: datetime, changed: bool = False, layout: float = FIRST_LAYOUT) -> list[datetime]:
    """The moments to prepare for at `now`, the likelier press first: now, and in the last LEAD_SECONDS of the
    minute the start of the coming minute (right after a change only once the turn is `turn_margin` away)."""
    into = _into(now)
    if into < 60 - LEAD_SECONDS or _holds_turn(into, changed, layout):
        return [now]
    turn = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return [turn, now] if into >= 60 - LAST_MOMENT else [now, turn]


def seconds_to_next_lead(now: datetime) -> float:
    """Seconds from `now` until the next moment the coming minute is to be laid out (LEAD_SECONDS before a turn)."""
    wait = 60 - LEAD_SECONDS - _into(now)
    return wait if wait > 0 else wait + 60


def seconds_to_next_preparation(now: datetime, changed: bool = False, layout: float = FIRST_LAYOUT) -> float:
    """Seconds from `now` until the documents are to be prepared again with nothing changed: after a change that
    held the coming minute back (`moments`), CHANGE_GRACE later or `turn_margin` before the turn, whichever comes
    first; otherwise at the next lead (`seconds_to_next_lead`)."""
    into = _into(now)
    if _holds_turn(into, changed, layout):
        return min(CHANGE_GRACE, 60 - turn_margin(layout) - into)
    return seconds_to_next_lead(now)


def prepare(lifecycle: Lifecycle, state: ClientState, now: Callable[[], datetime], turn: threading.Lock,
            pace: Pace | None = None, changed: bool = False) -> bool:
    """Lays the documents out ahead for the state's latest expectation at each of `moments(now())` (a worker thread).

    Does nothing for a moment whose documents are the newest prepared, or whose minute ended during the layout
    before it (on a loaded machine). Preparations take turns (`turn`): a call waiting for an earlier one reads
    the clock and the expectation when its turn comes, so the newest always ends up prepared, and nothing is
    prepared once the practitioner has countersigned (the expectation is gone). `changed`: called for a change
    on the screen (the coming minute may be held back, see `moments`); `pace` is told how long layouts take.

    Returns:
        True when documents for the expectation at the current moment are prepared.

    Raises:
        IntakeError: the renderer refused the expected inputs (the countersignature will say why).
    """
    pace = pace if pace is not None else Pace()
    with turn:
        current = now()  # read when the turn comes: a call that waited long prepares for the time it is now
        ready = {moment: _prepare_at(lifecycle, state, moment, now, pace)
                 for moment in moments(current, changed, pace.layout)}
        return ready[current]


def _prepare_at(lifecycle: Lifecycle, state: ClientState, moment: datetime, now: Callable[[], datetime],
                pace: Pace) -> bool:
    expected, intake = state.expected, state.intake
    if expected is None or intake is None or intake.status == "draft" or intake.documents:
        return False
    if moment < now().replace(second=0, microsecond=0):
        return False  # its minute ended during the layout before it: no press can use it any more
    counter = _expected(lifecycle, intake, expected, moment)
    if state.prepared and same_documents(state.prepared[-1], counter):
        return True
    state.preparing = counter
    started = time.monotonic()
    try:
        if not lifecycle.prepare(intake, counter):
            return False
    finally:
        state.preparing = None
    pace.timed(time.monotonic() - started)
    state.prepared = (*(p for p in state.prepared if not same_documents(p, counter)), counter)[-KEPT:]
    return True


def _expected(lifecycle: Lifecycle, intake: Intake, expected: Expected, moment: datetime) -> Countersignature:
    day = moment.astimezone(lifecycle.engine.config.timezone).date()
    history = lifecycle.pending_history(expected.history, expected.practitioner_id, expected.decision,
                                        expected.reason, day, expected.supersede)
    return lifecycle.expected_countersignature(intake, expected.practitioner_id, expected.plan, moment, history)


def same_documents(prepared: Countersignature, counter: Countersignature) -> bool:
    """True when two countersignatures make the same documents: only the exact sealing moment and the audit
    trail's position may differ (the seal carries both; the pages and the embedded data do not)."""
    return replace(prepared, sealed_at=None, witness=None) == replace(counter, sealed_at=None, witness=None)


def prepared_for(state: ClientState) -> bool:
    """True when the countersignature kept is one the documents were laid out ahead for (to the minute), or
    are being laid out for right now."""
    counter = state.counter
    laid_out = (*state.prepared, *((state.preparing,) if state.preparing is not None else ()))
    return counter is not None and any(same_documents(p, counter) for p in laid_out)
