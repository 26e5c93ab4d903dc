"""Provides the PostgreSQL engine's schema: the write path's tables made from intake.records.columns, and its own.

The tables every engine keeps (clients, intakes, documents…) are made from the one list of columns
(intake.records.columns): text as `text COLLATE "C"` (ordered by bytes, as SQLite does), integers as bigint,
blobs as bytea, the primary key from intake.records.sealing.KEYS. A new table or column there needs nothing
here. The engine's own tables: `meta` (key check, sealed audit head, witness), `digests`, `migrations` (the
schema history; its highest version is the schema version), and `audit`, made append-only by two triggers that
refuse UPDATE and DELETE (they compute nothing; intake's code computes every hash).

Everything lives in the PostgreSQL schema `intake`, created on first open inside a write transaction, under
the same advisory lock as every write, so two computers opening a new database at once make it once.
"""

from __future__ import annotations

from intake.records.columns import DEFAULTS, KEYS, TABLES
from intake.records.postgres.connection import SCHEMA, Connection

#: The schema version this engine writes (the highest in `migrations`).
VERSION = 5
#: The key of the advisory lock every write transaction holds ('intake' in ASCII).
LOCK_KEY = int.from_bytes(b"intake", "big")
_TYPES = {"text": 'text COLLATE "C"', "integer": "bigint", "blob": "bytea"}
#: Indexes for the engine's queries (table -> column lists); only speed depends on them.
INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "search_tokens": (("client_id",),),
    "intakes": (("updated_at",), ("status", "updated_at"), ("client_id", "updated_at"), ("consultation_date", "id")),
    "decisions": (("intake_id",),),
    "documents": (("intake_id",),),
    "imports": (("intake_id",),),
    "visits": (("client_id", "visit_date"), ("course_id",)),
    "staff": (("pin_tag",),),
}
#: The append-only tables and their triggers (the audit trail, and the server's checkpoint of a clinic group).
TRIGGERS = {"audit": ("audit_no_update", "audit_no_delete"), "anchors": ("anchors_no_update", "anchors_no_delete")}
_APPEND_ONLY = f"""CREATE FUNCTION {SCHEMA}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$"""
_ENGINE_TABLES = (
    'CREATE TABLE meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL)',
    'CREATE TABLE digests (name text COLLATE "C" PRIMARY KEY, total bigint NOT NULL, rows bigint NOT NULL)',
    "CREATE TABLE migrations (version integer PRIMARY KEY, applied_at text NOT NULL, description text NOT NULL)",
    """CREATE TABLE audit (seq bigint PRIMARY KEY, at text NOT NULL, event text NOT NULL, intake_id text COLLATE "C",
        client_id text COLLATE "C", staff text NOT NULL, device text NOT NULL, details text NOT NULL,
        prev_hash text NOT NULL, hash text NOT NULL)""",
    "CREATE INDEX audit_intake ON audit (intake_id)",
    _APPEND_ONLY,
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
)
#: Schema 2: the server's own checkpoint, one line per write transaction that wrote audit entries (keyed by its
#: last entry), naming the site that wrote it; append-only like the audit trail.
_ANCHORS = (
    'CREATE TABLE anchors (seq bigint PRIMARY KEY, site text COLLATE "C" NOT NULL, line text NOT NULL)',
    "CREATE TRIGGER anchors_no_update BEFORE UPDATE ON anchors FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER anchors_no_delete BEFORE DELETE ON anchors FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
)
DESCRIPTIONS = {1: "every table of the records, the audit trail (append-only), meta and digests",
                2: "the server's checkpoint (anchors, append-only): one line per transaction, naming its site",
                3: "documents.visit_id: a further session's documents kept with its course",
                4: "intake_tokens: the blind index per intake, newest first, kept in step by triggers",
                5: "intakes.languages: the languages a client chose, kept with the draft"}


#: Schema 4: the blind index per intake, (token, updated_at, intake id) for every token of the intake's client, so a
#: search walks one token's intakes newest first and stops after `limit` (as the SQLite engine's schema 3). It holds
#: nothing of its own: triggers keep it in step whoever writes, and audit verify compares it with what it derives from.
_INTAKE_TOKENS = (
    """CREATE TABLE IF NOT EXISTS intake_tokens (token bigint NOT NULL, updated_at text COLLATE "C" NOT NULL,
        intake_id text COLLATE "C" NOT NULL, PRIMARY KEY (token, updated_at, intake_id))""",
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.intake_tokens_of_token() RETURNS trigger LANGUAGE plpgsql
        SET search_path = {SCHEMA} AS $$ BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO intake_tokens SELECT NEW.token, updated_at, id FROM intakes WHERE client_id = NEW.client_id
                ON CONFLICT DO NOTHING;
            RETURN NEW;
        END IF;
        DELETE FROM intake_tokens WHERE token = OLD.token AND (updated_at, intake_id) IN
            (SELECT updated_at, id FROM intakes WHERE client_id = OLD.client_id);
        RETURN OLD; END $$""",
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.intake_tokens_of_intake() RETURNS trigger LANGUAGE plpgsql
        SET search_path = {SCHEMA} AS $$ BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM intake_tokens WHERE intake_id = OLD.id AND updated_at = OLD.updated_at;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.client_id IS NOT NULL THEN
            INSERT INTO intake_tokens SELECT token, NEW.updated_at, NEW.id FROM search_tokens
                WHERE client_id = NEW.client_id ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL; END $$""",
    "CREATE OR REPLACE TRIGGER intake_tokens_token AFTER INSERT OR DELETE ON search_tokens FOR EACH ROW "
    "EXECUTE FUNCTION intake_tokens_of_token()",
    "CREATE OR REPLACE TRIGGER intake_tokens_intake AFTER INSERT OR DELETE OR UPDATE OF client_id, updated_at "
    "ON intakes FOR EACH ROW EXECUTE FUNCTION intake_tokens_of_intake()",
    "DELETE FROM intake_tokens",
    """INSERT INTO intake_tokens SELECT t.token, i.updated_at, i.id FROM search_tokens t
        JOIN intakes i ON i.client_id = t.client_id ON CONFLICT DO NOTHING""",
)


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def table_statement(table: str) -> str:
    """CREATE TABLE for one of the write path's tables, from its columns."""
    columns = []
    for name, kind in TABLES[table].items():
        default = DEFAULTS.get(table, {}).get(name)
        columns.append(f"{name} {_TYPES[kind]}" + (f" DEFAULT {_literal(default)}" if default is not None else ""))
    return f"CREATE TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(KEYS[table])}))"


def statements() -> list[str]:
    """Every statement that makes the schema, in order (run inside one transaction)."""
    made = [*_ENGINE_TABLES, *_ANCHORS]
    for table in TABLES:
        made.append(table_statement(table))
        made += [f"CREATE INDEX {table}_{'_'.join(columns)} ON {table} ({', '.join(columns)})"
                 for columns in INDEXES.get(table, ())]
    return [*made, *_INTAKE_TOKENS]


def version(conn: Connection) -> int | None:
    """The schema version of the database (None when intake's schema is not there yet)."""
    found = conn.execute("SELECT to_regclass(%s) AS t", (f"{SCHEMA}.migrations",)).fetchone()
    if found is None or found["t"] is None:
        return None
    row = conn.execute(f"SELECT coalesce(max(version), 0) AS v FROM {SCHEMA}.migrations").fetchone()
    return int(row["v"]) if row else 0


def create(conn: Connection, now: str) -> None:
    """Makes intake's schema and tables (inside the caller's write transaction)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for statement in statements():
        conn.execute(statement)
    for version_made in sorted(DESCRIPTIONS):
        conn.execute("INSERT INTO migrations (version, applied_at, description) VALUES (%s, %s, %s)",
                     (version_made, now, DESCRIPTIONS[version_made]))


def upgrade(conn: Connection, found: int, now: str) -> None:
    """Brings a schema of an older version up to VERSION (inside the caller's write transaction)."""
    if found < 2:
        for statement in _ANCHORS:
            conn.execute(statement)
        conn.execute("INSERT INTO migrations (version, applied_at, description) VALUES (%s, %s, %s)",
                     (2, now, DESCRIPTIONS[2]))
    if found < 3:
        kind = _TYPES[TABLES["documents"]["visit_id"]]
        conn.execute(f"ALTER TABLE documents ADD COLUMN IF NOT EXISTS visit_id {kind}")
        conn.execute("INSERT INTO migrations (version, applied_at, description) VALUES (%s, %s, %s)",
                     (3, now, DESCRIPTIONS[3]))
    if found < 4:
        for statement in _INTAKE_TOKENS:
            conn.execute(statement)
        conn.execute("INSERT INTO migrations (version, applied_at, description) VALUES (%s, %s, %s)",
                     (4, now, DESCRIPTIONS[4]))
    if found < 5:
        kind = _TYPES[TABLES["intakes"]["languages"]]
        conn.execute(f"ALTER TABLE intakes ADD COLUMN IF NOT EXISTS languages {kind}")
        conn.execute("INSERT INTO migrations (version, applied_at, description) VALUES (%s, %s, %s)",
                     (5, now, DESCRIPTIONS[5]))


def enabled_triggers(conn: Connection, table: str) -> list[str]:
    """The append-only triggers of one of intake's tables that are there and enabled."""
    rows = conn.execute("SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN "
                        "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s AND "
                        "NOT t.tgisinternal AND t.tgenabled <> 'D'", (SCHEMA, table)).fetchall()
    present = {str(row["name"]) for row in rows}
    return [trigger for trigger in TRIGGERS[table] if trigger in present]


def protection_problems(conn: Connection) -> list[str]:
    """The append-only triggers of the audit trail and the server's checkpoint removed or disabled outside intake."""
    rows = conn.execute("SELECT c.relname AS t, t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger t JOIN "
                        "pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                        "n.nspname = %s AND c.relname IN ('audit', 'anchors') AND NOT t.tgisinternal",
                        (SCHEMA,)).fetchall()
    enabled = {(row["t"], row["name"]) for row in rows if row["enabled"] != "D"}
    what = {"audit": "the audit trail", "anchors": "the server's checkpoint"}
    return [f"the append-only protection of {what[table]} (trigger {trigger}) was removed or disabled outside intake"
            for table, triggers in TRIGGERS.items() for trigger in triggers if (table, trigger) not in enabled]
