"""Provides erasure: abandoned drafts expiring, a client's erasure, and the end of kept consent evidence.

What is kept when a client asks to be erased: for each intake whose consent was signed less than
[storage] retention_years ago, the sealed consent document(s), the record and assessment they were
made from, the practitioner's decisions and the client's sealed name (so the evidence can still be
found). Everything else of the client goes at once. `purge_retention` removes the kept evidence when
its time is up. The audit trail, which never holds names or answers, records each erasure.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from intake.dates import add_months
from intake.records import clients, imports, visits
from intake.records.checks import check_who, require_draft
from intake.records.errors import RecordNotFoundError
from intake.records.model import CONSENT_KINDS, ErasureReport, IntakeStatus, iso

if TYPE_CHECKING:
    from intake.records.store import Records

SYSTEM = "intake (automatic)"


def _wipe(store: Records, intake_id: str, status: IntakeStatus, now: str) -> None:
    """Removes every piece of health data of one intake; its bare row (dates, status) stays for the audit."""
    for document_id, _ in store.backend.document_ids(intake_id):
        store.tables.delete("documents", document_id)
    for decision in store.backend.decisions_of(intake_id):
        store.tables.delete("decisions", decision["id"])
    store.tables.delete("signatures", intake_id)
    imports.forget(store, intake_id)
    visits.forget_course(store, intake_id)
    store.tables.update("intakes", intake_id, status=status, answers=None, label=None, record=None, assessment=None,
                        client_id=None, erased_at=now, retained_until=None, updated_at=now, languages=None)


def expire_drafts(store: Records, now: datetime | None = None, *, staff: str = SYSTEM,
                  device: str | None = None) -> int:
    """Erases drafts not saved for [storage] draft_expiry_days days; returns how many."""
    days = int(store.config.section("storage").get("draft_expiry_days", 30))
    moment = now or store.clock()
    cutoff = iso(moment - timedelta(days=days))
    device = device or store.device_name()
    with store.write("expiring old drafts"):
        rows = store.backend.drafts(before=cutoff, newest_first=False)
        for row in rows:
            intake_id, client_id = row["id"], row["client_id"]
            _wipe(store, intake_id, "expired", store.now())
            clients.drop_if_orphan(store, client_id)
            store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                        reason="draft expired", last_saved=row["updated_at"], expiry_days=days)
    if rows:
        store.checkpoint_wal()
    return len(rows)


def _retention_end(signed_at: str, years: int) -> date:
    return add_months(date.fromisoformat(signed_at[:10]), 12 * years)


def _keep_evidence(store: Records, intake_id: str, until: date, now: str) -> None:
    """Keeps a signed intake's consent evidence until `until` (with its course's sealed session records, the
    record of each treatment given under that consent, whose visits are kept as long): everything else goes now."""
    for document_id, kind in store.backend.document_ids(intake_id):
        if kind not in CONSENT_KINDS and kind not in visits.KEPT_WITH_CONSENT:
            store.tables.delete("documents", document_id)
    store.tables.update("intakes", intake_id, answers=None, label=None, retained_until=until.isoformat(),
                        updated_at=now)


def erase_client(store: Records, client_id: str, staff: str, device: str) -> ErasureReport:
    """Erases what may be erased of a client and says what is kept, and until when."""
    check_who(staff, device)
    years = int(store.config.section("storage").get("retention_years", 8))
    today = store.clock().date()
    report = ErasureReport(client_id)
    with store.write("erasing a client"):
        if store.tables.get("clients", client_id) is None:
            raise RecordNotFoundError(f"there is no client {client_id!r}. `intake records show INTAKE` shows the "
                                      "client id of an intake.")
        now = store.now()
        for row in store.backend.client_intakes(client_id):
            intake_id, signed_at = row["id"], row["signed_at"]
            until = _retention_end(signed_at, years) if row["status"] == "signed" and signed_at else None
            if until and until > today:
                _keep_evidence(store, intake_id, until, now)
                report.kept_intakes[intake_id] = until.isoformat()
            else:
                _wipe(store, intake_id, "erased", now)
                report.erased_intakes.append(intake_id)
        if report.kept_intakes:
            store.tables.update("clients", client_id, erasure_requested_at=now,
                                retained_until=max(report.kept_intakes.values()))
        else:
            report.client_removed = clients.drop_if_orphan(store, client_id)
        store.audit("erased", staff=staff, device=device, client_id=client_id, reason="client's request",
                    erased=report.erased_intakes, kept_until=report.kept_intakes, retention_years=years,
                    kept="signed consent documents, the record and assessment they were made from, decisions and "
                         "the client's name" if report.kept_intakes else "nothing")
    store.checkpoint_wal()
    return report


def purge_retention(store: Records, now: datetime | None = None, *, staff: str = SYSTEM,
                    device: str | None = None) -> int:
    """Erases kept consent evidence whose retention period has ended; returns how many intakes."""
    today = (now or store.clock()).date().isoformat()
    device = device or store.device_name()
    count = 0
    with store.write("ending kept records"):
        for row in store.backend.kept_until(today):
            intake_id, client_id, until = row["id"], row["client_id"], row["retained_until"]
            _wipe(store, intake_id, "erased", store.now())
            store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=client_id,
                        reason="retention period ended", kept_until=until)
            count += 1
        for client_id in store.backend.clients_kept_until(today):
            clients.drop_if_orphan(store, client_id)
    if count:
        store.checkpoint_wal()
    return count


# -- discarding a draft (issue 11, staff tools; additive) -------------------------------------------


def discard_draft(store: Records, intake_id: str, reason: str, staff: str, device: str) -> None:
    """Erases one draft now, as expiry would, and audits who discarded it and why."""
    check_who(staff, device)
    with store.write("discarding a draft"):
        row = store.row(intake_id)
        require_draft(intake_id, row["status"])
        _wipe(store, intake_id, "erased", store.now())
        clients.drop_if_orphan(store, row["client_id"])
        store.audit("erased", staff=staff, device=device, intake_id=intake_id, client_id=row["client_id"],
                    reason=f"draft discarded by staff: {reason}", last_saved=row["updated_at"])
    store.checkpoint_wal()
