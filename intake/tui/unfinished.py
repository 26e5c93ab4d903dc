"""Provides the staff menu's unfinished intakes: drafts to resume or discard, and today's intakes still waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.records.model import DraftSummary, ListRow
    from intake.tui.session import IntakeSession


def drafts(session: IntakeSession) -> list[DraftSummary]:
    """The unfinished intakes, most recently saved first (a client's walked-away draft among them)."""
    return list(session.store.drafts())


def waiting(session: IntakeSession) -> list[ListRow]:
    """Today's submitted intakes still without documents (e.g. the app closed before review)."""
    store, today, found = session.store, session.lifecycle.today(), []
    for status in ("submitted", "deferred"):
        rows = store.search(status=status, limit=50).rows
        found += [r for r in rows if str(r.consultation_date) == today]
    return [r for r in found if not store.load_intake(r.intake_id).documents]


def discard(session: IntakeSession, intake_id: str, reason: str) -> None:
    """Erases a draft staff abandon on purpose; the audit trail keeps who and why (never undone)."""
    session.lifecycle.discard(intake_id, reason, session.unlocked())
