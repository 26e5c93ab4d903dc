"""Provides the versioned schema migrations of the SQLite engine (PRAGMA user_version).

Row seals and digests (intake.records.sealing) are computed by intake's code, never in SQL: a migration
that adds a column to a sealed table adds it to sealing.SEALED and reseals with a `step`
(`Tables.reseal_all`), which runs in the migration's transaction after its statements.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.records.columns import COLUMNS
from intake.records.sqlite import upgrade
from intake.records.sqlite.db import APPLICATION_ID

if TYPE_CHECKING:
    from intake.records.sqlite.ops import StoreOps


@dataclass(frozen=True)
class Migration:
    """One schema change: applied once, atomically, in version order.

    Attributes:
        version: the schema version it brings.
        description: what it brings, in words (kept in the migrations table).
        statements: SQL run in order.
        step: then, intake's own code on the store (reseals, checks), in the same transaction.
    """

    version: int
    description: str
    statements: Sequence[str]
    step: Callable[[StoreOps], None] | None = None


_V1 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)",
    # A client is found again by a blind token of name + date of birth; the name itself is sealed.
    """CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        identity BLOB NOT NULL,
        created_at TEXT NOT NULL,
        erasure_requested_at TEXT,
        retained_until TEXT,
        seal TEXT)""",
    """CREATE TABLE search_tokens (
        token INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        PRIMARY KEY (token, client_id)) WITHOUT ROWID""",
    "CREATE INDEX search_tokens_client ON search_tokens(client_id)",
    """CREATE TABLE intakes (
        id TEXT PRIMARY KEY,
        client_id TEXT REFERENCES clients(id),
        status TEXT NOT NULL
            CHECK (status IN ('draft', 'submitted', 'deferred', 'signed', 'expired', 'erased')),
        consultation_date TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_by TEXT NOT NULL,
        device TEXT NOT NULL,
        step_id TEXT,
        next_step TEXT,
        label BLOB,
        answers BLOB,
        record BLOB,
        assessment BLOB,
        submitted_at TEXT,
        signed_at TEXT,
        erased_at TEXT,
        retained_until TEXT,
        seal TEXT)""",
    "CREATE INDEX intakes_updated ON intakes(updated_at)",
    "CREATE INDEX intakes_status ON intakes(status, updated_at)",
    "CREATE INDEX intakes_client ON intakes(client_id, updated_at)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        intake_id TEXT NOT NULL REFERENCES intakes(id),
        at TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('clearance_noted', 'override')),
        reason BLOB,
        staff TEXT NOT NULL,
        device TEXT NOT NULL,
        seal TEXT)""",
    "CREATE INDEX decisions_intake ON decisions(intake_id)",
    """CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        intake_id TEXT NOT NULL REFERENCES intakes(id),
        kind TEXT NOT NULL,
        filename BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        template_versions TEXT NOT NULL,
        size INTEGER NOT NULL,
        pdf BLOB,
        created_at TEXT NOT NULL,
        staff TEXT NOT NULL,
        device TEXT NOT NULL,
        seal TEXT)""",
    "CREATE INDEX documents_intake ON documents(intake_id)",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        intake_id TEXT,
        client_id TEXT,
        staff TEXT NOT NULL,
        device TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    "CREATE INDEX audit_intake ON audit(intake_id)",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    f"PRAGMA application_id = {APPLICATION_ID}",
)

# The client's signatures between signing and the practitioner's countersignature (one row per intake,
# removed once the sealed consent holds them), so an interruption there does not make the client sign again.
_V2 = (
    """CREATE TABLE signatures (
        id TEXT PRIMARY KEY REFERENCES intakes(id),
        data BLOB NOT NULL,
        at TEXT NOT NULL,
        staff TEXT NOT NULL,
        device TEXT NOT NULL,
        seal TEXT)""",
)

# The blind index per intake, newest first: (token, updated_at, intake id) for every token of the intake's client,
# so a search walks one token's intakes in the order it returns them and stops after `limit`. It tells nothing
# search_tokens and the plain intakes columns do not already tell. Kept in step by the triggers below whoever
# writes (link, relink, save, erase); no sealed table changes, so no reseal. Idempotent, so a store whose version
# was set back re-runs it safely.
_TOKEN_OF_INTAKE = ("DELETE FROM intake_tokens WHERE token IN (SELECT token FROM search_tokens WHERE client_id ="
                    " OLD.client_id) AND updated_at = OLD.updated_at AND intake_id = OLD.id;")
_V3 = (
    """CREATE TABLE IF NOT EXISTS intake_tokens (
        token INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        intake_id TEXT NOT NULL,
        PRIMARY KEY (token, updated_at, intake_id)) WITHOUT ROWID""",
    """CREATE TRIGGER IF NOT EXISTS intake_tokens_token_added AFTER INSERT ON search_tokens BEGIN
        INSERT OR IGNORE INTO intake_tokens SELECT NEW.token, updated_at, id FROM intakes
            WHERE client_id = NEW.client_id; END""",
    """CREATE TRIGGER IF NOT EXISTS intake_tokens_token_removed AFTER DELETE ON search_tokens BEGIN
        DELETE FROM intake_tokens WHERE token = OLD.token AND (updated_at, intake_id) IN
            (SELECT updated_at, id FROM intakes WHERE client_id = OLD.client_id); END""",
    """CREATE TRIGGER IF NOT EXISTS intake_tokens_intake_added AFTER INSERT ON intakes
        WHEN NEW.client_id IS NOT NULL BEGIN
        INSERT OR IGNORE INTO intake_tokens SELECT token, NEW.updated_at, NEW.id FROM search_tokens
            WHERE client_id = NEW.client_id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS intake_tokens_intake_changed AFTER UPDATE OF client_id, updated_at ON intakes
        WHEN OLD.client_id IS NOT NEW.client_id OR OLD.updated_at IS NOT NEW.updated_at BEGIN
        {_TOKEN_OF_INTAKE}
        INSERT OR IGNORE INTO intake_tokens SELECT token, NEW.updated_at, NEW.id FROM search_tokens
            WHERE client_id = NEW.client_id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS intake_tokens_intake_removed AFTER DELETE ON intakes BEGIN
        {_TOKEN_OF_INTAKE} END""",
    "DELETE FROM intake_tokens",
    """INSERT OR IGNORE INTO intake_tokens SELECT t.token, i.updated_at, i.id
        FROM search_tokens t JOIN intakes i ON i.client_id = t.client_id""",
)

# Running digests of every table a reader sees, anchored with the audit head in the checkpoint file
# outside the data folder (intake.records.anchor); computed from the rows once here, then kept by the write path.
_V4 = (
    "CREATE TABLE IF NOT EXISTS digests (name TEXT PRIMARY KEY, total INTEGER NOT NULL, rows INTEGER NOT NULL)"
    " WITHOUT ROWID",
)

# Staff accounts (own PIN, scrypt; role; a practitioner's [[practitioners]] id) and wrong-PIN counts per
# device, kept in the store so a restart does not reset the back-off (intake.records.staff).
_V5 = (
    """CREATE TABLE IF NOT EXISTS staff (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('front_desk', 'practitioner')),
        practitioner_id TEXT,
        pin_hash TEXT NOT NULL,
        pin_tag INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        disabled_at TEXT,
        seal TEXT)""",
    "CREATE INDEX IF NOT EXISTS staff_tag ON staff(pin_tag)",
    """CREATE TABLE IF NOT EXISTS pin_attempts (
        id TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until TEXT,
        seal TEXT)""",
)

# Decisions become a history: a correction of an answer is a decision too, a decision may supersede an earlier
# one (which stays, marked by the one that replaced it), and a sealed `details` keeps a correction's
# before/after answers and a superseding decision's reason. SQLite cannot widen a CHECK in place, so the
# table is rebuilt with every row kept, then resealed (the seal now covers the new columns).
_V6 = (
    """CREATE TABLE decisions_v6 (
        id INTEGER PRIMARY KEY,
        intake_id TEXT NOT NULL REFERENCES intakes(id),
        at TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('clearance_noted', 'override', 'correction')),
        reason BLOB,
        staff TEXT NOT NULL,
        device TEXT NOT NULL,
        supersedes INTEGER,
        details BLOB,
        seal TEXT)""",
    """INSERT INTO decisions_v6 (id, intake_id, at, practitioner_id, kind, reason, staff, device, seal)
        SELECT id, intake_id, at, practitioner_id, kind, reason, staff, device, seal FROM decisions""",
    "DROP TABLE decisions",
    "ALTER TABLE decisions_v6 RENAME TO decisions",
    "CREATE INDEX decisions_intake ON decisions(intake_id)",
)


#: The tables a reader sees as of schema 4 (staff and imports came later).
_DIGESTED_V4 = ("intakes", "clients", "decisions", "documents", "signatures", "search_tokens")


def _recompute(store: StoreOps) -> None:
    """Every table's digest from its rows (the digests table is new)."""
    store.tables.recompute_digests(_DIGESTED_V4)


def _reseal(store: StoreOps) -> None:
    """The rebuilt decisions table: every row's seal (it covers the new columns) and its digest made again."""
    store.tables.reseal(["decisions"])
    store.tables.recompute_digests(["decisions"])

# Answers files already imported: the keyed fingerprint (HMAC, key derived from the data key) of each file's
# content, and the intake it became, claimed in the same transaction that starts that intake, so an import run
# again (after a crash, or by mistake) finds it and stores nothing twice (intake.records.imports).
_V7 = (
    """CREATE TABLE IF NOT EXISTS imports (
        id TEXT PRIMARY KEY,
        intake_id TEXT NOT NULL REFERENCES intakes(id),
        at TEXT NOT NULL,
        seal TEXT)""",
    "CREATE INDEX IF NOT EXISTS imports_intake ON imports(intake_id)",
)

# Further sessions of a course: each visit of a client after the signed consultation (intake.records.visits).
_V9 = (
    """CREATE TABLE IF NOT EXISTS visits (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES clients(id),
        course_id TEXT NOT NULL REFERENCES intakes(id),
        number INTEGER NOT NULL,
        visit_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'ready', 'deferred', 'waiting', 'needs_consent', 'recorded',
                                               'signed')),
        started_at TEXT NOT NULL,
        started_by TEXT NOT NULL,
        device TEXT NOT NULL,
        answers BLOB,
        assessment BLOB,
        outcome BLOB,
        treatment BLOB,
        practitioner_id TEXT,
        recorded_at TEXT,
        signed_at TEXT,
        countersigned_by TEXT,
        updated_at TEXT NOT NULL,
        seal TEXT)""",
    "CREATE INDEX IF NOT EXISTS visits_client ON visits(client_id, visit_date)",
    "CREATE INDEX IF NOT EXISTS visits_course ON visits(course_id)",
)


# A visit may end without treatment (the client left, or the practitioner decided not to treat today): SQLite keeps
# a column's CHECK in the table's definition, so the table is made again with the new status and its rows copied
# unchanged (their seals and the table's digest stay valid: no value changes).
_VISIT_COLUMNS = ", ".join(COLUMNS["visits"])
_V12 = (
    _V9[0].replace("CREATE TABLE IF NOT EXISTS visits (", "CREATE TABLE visits_v12 (").replace(
        "'recorded',\n                                               'signed')",
        "'recorded',\n                                               'signed', 'not_treated')"),
    f"INSERT INTO visits_v12 ({_VISIT_COLUMNS}) SELECT {_VISIT_COLUMNS} FROM visits",
    "DROP TABLE visits",
    "ALTER TABLE visits_v12 RENAME TO visits",
    *_V9[1:],
)


def _visits_digest(store: StoreOps) -> None:
    """The new table's digest (no rows yet), so the checkpoint covers it from the start."""
    store.tables.recompute_digests(["visits"])


# A visit's documents (its session record and aftercare sheet, or its deferral letter) are kept with its course's,
# naming the visit; an intake's own documents have none. Rows written before keep their seals (sealing.ADDED_LATER).
def _documents_visit(store: StoreOps) -> None:
    """Adds documents.visit_id unless it is there already (a store put back to an older version number)."""
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(documents)")}
    if "visit_id" not in columns:
        store.conn.execute("ALTER TABLE documents ADD COLUMN visit_id TEXT")


# The languages the client chose for an intake, a small JSON object named as the record names them (e.g.
# {"language": "de"}), kept from the draft's start so an interrupted intake resumes in them whoever resumes it. Rows
# written before have none and read as the clinic's language; they keep their seals (sealing.ADDED_LATER).
def _intake_languages(store: StoreOps) -> None:
    """Adds intakes.languages unless it is there already (a store put back to an older version number)."""
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(intakes)")}
    if "languages" not in columns:
        store.conn.execute("ALTER TABLE intakes ADD COLUMN languages TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "clients, intakes, decisions, documents, blind search index and audit trail", _V1),
    Migration(2, "signatures kept until the practitioner countersigns", _V2),
    Migration(3, "blind search index per intake, newest first (search stops after the limit)", _V3),
    Migration(4, "table digests for the audit checkpoint kept outside the data folder", _V4, _recompute),
    Migration(5, "staff accounts and wrong-PIN counts", _V5),
    Migration(6, "decisions as a history: corrections, superseded decisions", _V6, _reseal),
    Migration(7, "fingerprints of imported answers files (an import is stored once)", _V7),
    # The upgrade to 8 verifies every table a reader sees, the visits of schema 9 among them: an older store gets
    # the (empty) table first; one already at 8 gets it from migration 9.
    Migration(8, "seals and digests computed by intake in the write path; the checkpoint's witness", _V9,
              upgrade.to_write_path),
    Migration(9, "further sessions of a course (visits)", _V9, _visits_digest),
    Migration(10, "a visit's documents kept with its course's", (), _documents_visit),
    Migration(11, "the languages a client chose, kept with the draft", (), _intake_languages),
    Migration(12, "a visit may end without treatment (status not_treated)", _V12),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the database header (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def pending(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    """The migrations not yet applied."""
    version = current_version(conn)
    return [m for m in migrations if m.version > version]


def apply(store: StoreOps, migration: Migration, now: str, on_create: Callable[[], None] | None = None) -> bool:
    """Applies one migration inside the caller's write transaction.

    Returns False when another process applied it first (the version is re-read under the lock).
    `on_create` runs in the same transaction as migration 1, so a new database never exists
    without its key check.
    """
    conn = store.conn
    if current_version(conn) >= migration.version:
        return False
    for statement in migration.statements:
        conn.execute(statement)
    conn.execute("INSERT OR REPLACE INTO migrations (version, applied_at, description) VALUES (?, ?, ?)",
                 (migration.version, now, migration.description))
    if migration.version == 1 and on_create is not None:
        on_create()
    if migration.step is not None:
        migration.step(store)
    conn.execute(f"PRAGMA user_version = {int(migration.version)}")
    return True
