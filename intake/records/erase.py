"""Provides erasure: abandoned drafts expiring, a client's erasure, and the end of kept consent evidence.

What is kept when a client asks to be erased: for each intake whose consent was signed less than
[storage] retention_years ago, the sealed consent document(s), the record and assessment they were
made from, the practitioner's decisions and the client's sealed name (so the evidence can still be
found). Everything else of the client goes at once. `purge_retention` removes the kept evidence when
its time is up. The audit trail, which never holds names or answers, records each erasure.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from intake.dates import add_months
from intake.records import clients, imports
from intake.records.errors import RecordNotFoundError
from intake.records.model import CONSENT_KINDS, ErasureReport, iso
from intake.records.ops import StoreOps, check_who, require_draft

SYSTEM = "intake (automatic)"
_WIPE = ("UPDATE intakes SET status = ?, answers = NULL, label = NULL, record = NULL, assessment = NULL,"
         " client_id = NULL, erased_at = ?, retained_until = NULL, updated_at = ? WHERE id = ?")


def _device(store: StoreOps) -> str:
    return store.config.section("kiosk").get("device") or "this computer"


def _wipe(store: StoreOps, intake_id: str, status: str, now: str) -> None:
    """Removes every piece of health data of one intake; its bare row (dates, status) stays for the audit."""
    store.conn.execute("DELETE FROM documents WHERE intake_id = ?", (intake_id,))
    store.conn.execute("DELETE FROM decisions WHERE intake_id = ?", (intake_id,))
    store.conn.execute("DELETE FROM signatures WHERE id = ?", (intake_id,))
    imports.forget(store.conn, intake_id)
    store.conn.execute(_WIPE, (status, now, now, intake_id))


def expire_drafts(store: StoreOps, now: datetime | None = None, *, staff: str = SYSTEM,
                  device: str | None = None) -> int:
    """Erases drafts not saved for [storage] draft_expiry_days days; returns how many."""
    days = int(store.config.section("storage").get("draft_expiry_days", 30))
    moment = now or store.clock()
    cutoff = iso(moment - timedelta(days=days))
    device = device or _device(store)
    with store.write("expiring old drafts"):
        rows = store.conn.execute("SELECT id, client_id, updated_at FROM intakes WHERE status = 'draft'"
                                  " AND updated_at < ? ORDER BY updated_at", (cutoff,)).fetchall()
        for intake_id, client_id, updated in rows:
            _wipe(store, intake_id, "expired", store.now())
            clients.drop_if_orphan(store.conn, client_id)
            store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                         reason="draft expired", last_saved=updated, expiry_days=days)
    if rows:
        store.checkpoint_wal()
    return len(rows)


def _retention_end(signed_at: str, years: int) -> date:
    return add_months(date.fromisoformat(signed_at[:10]), 12 * years)


def erase_client(store: StoreOps, client_id: str, staff: str, device: str) -> ErasureReport:
    """Erases what may be erased of a client and says what is kept, and until when."""
    check_who(staff, device)
    years = int(store.config.section("storage").get("retention_years", 8))
    today = store.clock().date()
    report = ErasureReport(client_id)
    with store.write("erasing a client"):
        if not store.conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone():
            raise RecordNotFoundError(f"there is no client {client_id!r}. `intake records show INTAKE` shows the "
                                      "client id of an intake.")
        now = store.now()
        rows = store.conn.execute("SELECT id, status, signed_at FROM intakes WHERE client_id = ? ORDER BY started_at",
                                  (client_id,)).fetchall()
        for intake_id, status, signed_at in rows:
            until = _retention_end(signed_at, years) if status == "signed" and signed_at else None
            if until and until > today:
                marks = ",".join("?" * len(CONSENT_KINDS))
                store.conn.execute(f"DELETE FROM documents WHERE intake_id = ? AND kind NOT IN ({marks})",
                                   (intake_id, *CONSENT_KINDS))
                store.conn.execute("UPDATE intakes SET answers = NULL, label = NULL, retained_until = ?,"
                                   " updated_at = ? WHERE id = ?", (until.isoformat(), now, intake_id))
                report.kept_intakes[intake_id] = until.isoformat()
            else:
                _wipe(store, intake_id, "erased", now)
                report.erased_intakes.append(intake_id)
        if report.kept_intakes:
            store.conn.execute("UPDATE clients SET erasure_requested_at = ?, retained_until = ? WHERE id = ?",
                               (now, max(report.kept_intakes.values()), client_id))
        else:
            report.client_removed = clients.drop_if_orphan(store.conn, client_id)
        store.audit("erased", staff=staff, device=device, client_id=client_id, reason="client's request",
                     erased=report.erased_intakes, kept_until=report.kept_intakes, retention_years=years,
                     kept="signed consent documents, the record and assessment they were made from, decisions and "
                          "the client's name" if report.kept_intakes else "nothing")
    store.checkpoint_wal()
    return report


def purge_retention(store: StoreOps, now: datetime | None = None, *, staff: str = SYSTEM,
                    device: str | None = None) -> int:
    """Erases kept consent evidence whose retention period has ended; returns how many intakes."""
    today = (now or store.clock()).date().isoformat()
    device = device or _device(store)
    count = 0
    with store.write("ending kept records"):
        due = store.conn.execute("SELECT id, client_id, retained_until FROM intakes WHERE retained_until IS NOT NULL"
                                 " AND retained_until <= ?", (today,)).fetchall()
        for intake_id, client_id, until in due:
            _wipe(store, intake_id, "erased", store.now())
            store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                         reason="retention period ended", kept_until=until)
            count += 1
        for (client_id,) in store.conn.execute("SELECT id FROM clients WHERE erasure_requested_at IS NOT NULL"
                                               " AND retained_until <= ?", (today,)).fetchall():
            clients.drop_if_orphan(store.conn, client_id)
    if count:
        store.checkpoint_wal()
    return count


# -- discarding a draft (issue 11, staff tools; additive) -------------------------------------------


def discard_draft(store: StoreOps, intake_id: str, reason: str, staff: str, device: str) -> None:
    """Erases one draft now, as expiry would, and audits who discarded it and why."""
    check_who(staff, device)
    with store.write("discarding a draft"):
        status, client_id, updated = store.row(intake_id, "status, client_id, updated_at")
        require_draft(intake_id, status)
        _wipe(store, intake_id, "erased", store.now())
        clients.drop_if_orphan(store.conn, client_id)
        store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                    reason=f"draft discarded by staff: {reason}", last_saved=updated)
    store.checkpoint_wal()
