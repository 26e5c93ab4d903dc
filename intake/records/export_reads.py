"""Provides the Store methods of the whole-clinic export (intake.records.bulk), kept apart from the rest of Store.

`Store` inherits them: the reads a streaming export pages through (a page of intake ids, a client's
identity) and its one summary audit entry. They use only what every Store has: its connection,
keyring, read and write transactions and audit writer.
"""

from __future__ import annotations

from typing import Any

from intake.records import clients


class ExportReads:
    """Mixed into Store: public reads for the whole-clinic export (uses Store's public inner surface, StoreOps)."""

    conn: Any
    keyring: Any
    read: Any
    write: Any
    audit: Any

    def intake_page(self, *, client_id: str | None = None, since: str | None = None, until: str | None = None,
                    after: tuple[str, str] | None = None, limit: int = 500) -> list[tuple[str, str]]:
        """One page of (consultation_date, intake id), in that order and after `after`, of intakes that are
        not erased or expired: one client's, and/or consulted between `since` and `until` (inclusive)."""
        sql = "SELECT consultation_date, id FROM intakes WHERE status NOT IN ('erased', 'expired')"
        params: list[Any] = []
        for clause, value in (("client_id = ?", client_id), ("consultation_date >= ?", since),
                              ("consultation_date <= ?", until)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if after is not None:
            sql += " AND (consultation_date, id) > (?, ?)"
            params += list(after)
        with self.read("listing intakes to export"):
            return [(day, intake_id) for day, intake_id in
                    self.conn.execute(sql + " ORDER BY consultation_date, id LIMIT ?", [*params, limit])]

    def client_identity(self, client_id: str) -> dict[str, str] | None:
        """A client's full_name and date_of_birth, decrypted (None when the client is gone)."""
        with self.read("reading a client"):
            row = self.conn.execute("SELECT identity FROM clients WHERE id = ?", (client_id,)).fetchone()
            return clients.open_identity(self.keyring, client_id, row[0]) if row and row[0] else None

    def record_bulk_export(self, *, staff: str, device: str, client_id: str | None = None, **details: Any) -> None:
        """Writes the one 'exported' audit entry of a whole-clinic or one-client export."""
        from intake.records.ops import check_who

        check_who(staff, device)
        with self.write("recording an export"):
            self.audit("exported", staff=staff, device=device, client_id=client_id, **details)
