"""A clinic group: several sites on one PostgreSQL server, each with its own checkpoint, the server with its own.

Every write transaction leaves one line in the server's checkpoint (table intake.anchors, append-only, written
in the same transaction), naming the site that wrote it; each site appends the same line to the checkpoint
file beside its own key. `audit verify` at a site compares the server's trail with the server's checkpoint, and
this site's file with both: a server restored from an older backup is named by any site that wrote since, and a
site's file put back older is named by the server's record of that site.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from intake.config import load_config
from intake.records.postgres import PostgresStore
from intake.records.postgres.schema import VERSION
from tests.records.conftest import Clock, fill_draft, record_named, write_config
from tests.records.pgserver import bin_dir, pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)


def site_config(folder: Path, site: str, key: Path | None = None):
    """A site's clinic file: its own folders and key file (a copy of the group's one data key)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write_config(folder)
    storage = f'[storage]\nengine = "postgresql"\nsite = "{site}"\n'
    text = path.read_text(encoding="utf-8").replace("[storage]\n", storage)
    path.write_text(text, encoding="utf-8")
    own = folder / "keys" / "data.key"
    own.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if key is None:
        from intake.records import create_data_key

        create_data_key(load_config(path))
    else:
        shutil.copyfile(key, own)
        own.chmod(0o600)
    return load_config(path)


@pytest.fixture
def sites(tmp_path):
    """Two sites of one group: 'north' and 'south'."""
    north = site_config(tmp_path / "north", "north")
    south = site_config(tmp_path / "south", "south", key=tmp_path / "north" / "keys" / "data.key")
    return north, south


def write_from(config, dsn, engine, clock, count=1) -> list[str]:
    with PostgresStore.open(config, dsn=dsn, engine=engine, clock=clock) as store:
        return [fill_draft(store, engine, record_named(), steps=1) for _ in range(count)]


def verify_from(config, dsn, engine, clock):
    with PostgresStore.open(config, dsn=dsn, engine=engine, clock=clock) as store:
        return store.verify_audit()


def checkpoint_of(config) -> Path:
    return Path(str(config.path("security", "data_key_file"))).with_name("data.key.checkpoint")


def test_two_sites_share_one_trail_each_verifying_with_its_own_checkpoint(sites, engine, pg_database):
    north, south = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 2)
    write_from(south, pg_database, engine, clock, 1)
    write_from(north, pg_database, engine, clock, 1)
    for site in sites:
        report = verify_from(site, pg_database, engine, clock)
        assert report.ok, report.problems
    with psycopg.connect(pg_database) as conn:
        anchored = conn.execute("SELECT seq, site FROM intake.anchors ORDER BY seq").fetchall()
    assert [site for _, site in anchored] == ["north"] * 4 + ["south"] * 2 + ["north"] * 2  # a draft is 2 writes
    lines = checkpoint_of(north).read_text(encoding="ascii").splitlines()
    assert len(lines) == 6 and len(checkpoint_of(south).read_text(encoding="ascii").splitlines()) == 2


def test_a_server_restored_from_an_older_backup_is_named_by_the_site_that_wrote_since(
        sites, engine, pg_database, tmp_path):
    north, south = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 1)
    dump = tmp_path / "backup.sql"
    subprocess.run([str(bin_dir() / "pg_dump"), "--schema=intake", f"--file={dump}", pg_database], check=True)
    write_from(north, pg_database, engine, clock, 1)
    write_from(south, pg_database, engine, clock, 1)
    with psycopg.connect(pg_database, autocommit=True) as conn:  # the server's IT restores last night's backup
        conn.execute("DROP SCHEMA intake CASCADE")
    subprocess.run([str(bin_dir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1", f"--file={dump}", pg_database],
                   check=True, capture_output=True)
    for site in sites:
        report = verify_from(site, pg_database, engine, clock)
        assert not report.ok
        assert any(p.kind == "rolled back" and "records server is older than this site's checkpoint" in p.message
                   for p in report.problems), report.problems


def test_a_sites_checkpoint_put_back_older_is_named_against_the_servers_record_of_that_site(
        sites, engine, pg_database, tmp_path):
    north, south = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 1)
    kept = tmp_path / "older.checkpoint"
    shutil.copyfile(checkpoint_of(north), kept)
    write_from(north, pg_database, engine, clock, 2)
    write_from(south, pg_database, engine, clock, 1)
    shutil.copyfile(kept, checkpoint_of(north))
    report = verify_from(north, pg_database, engine, clock)
    assert [p.kind for p in report.problems] == ["checkpoint"]
    assert "behind the server's checkpoint" in report.problems[0].message
    assert "site 'north'" in report.problems[0].message
    assert verify_from(south, pg_database, engine, clock).ok  # the other site's file is whole


def test_the_servers_checkpoint_changed_or_cut_is_named(sites, engine, pg_database):
    north, _ = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 2)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM intake.anchors")
        conn.execute("ALTER TABLE intake.anchors DISABLE TRIGGER USER")
        conn.execute("UPDATE intake.anchors SET line = replace(line, 'north', 'south') WHERE seq = 2")
        conn.execute("DELETE FROM intake.anchors WHERE seq > 2")
    report = verify_from(north, pg_database, engine, clock)
    messages = " | ".join(p.message for p in report.problems)
    assert "the server's checkpoint (trigger anchors_no_update) was removed or disabled" in messages
    assert "the line of audit entry #2 in the server's checkpoint (table intake.anchors) was changed" in messages
    assert any(p.kind == "not anchored" for p in report.problems), messages


def test_a_schema_1_server_is_upgraded_once_and_anchors_from_then_on(sites, engine, pg_database):
    north, south = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 1)
    with psycopg.connect(pg_database, autocommit=True) as conn:  # as intake's first PostgreSQL version left it
        conn.execute("DROP TABLE intake.anchors")
        conn.execute("DELETE FROM intake.migrations WHERE version > 1")
        conn.execute("DELETE FROM intake.meta WHERE key = 'server_witness'")
    write_from(south, pg_database, engine, clock, 1)
    with psycopg.connect(pg_database) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM intake.migrations ORDER BY version")]
        anchored = conn.execute("SELECT site FROM intake.anchors").fetchall()
    assert versions == list(range(1, VERSION + 1)) and [site for (site,) in anchored] == ["south", "south"]
    for site in sites:
        report = verify_from(site, pg_database, engine, clock)
        assert report.ok, report.problems


def test_a_schema_2_server_is_upgraded_to_the_visit_column_and_the_search_index(sites, engine, pg_database):
    """Intake's second PostgreSQL schema had no documents.visit_id, no per-intake search index and no
    intakes.languages; opening adds them, once, the index filled from the clients' tokens, and audit verify finds
    it in step; the intakes kept before read as no language chosen (the clinic's)."""
    north, _ = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 2)
    with psycopg.connect(pg_database, autocommit=True) as conn:  # as the schema-2 version of intake left it
        conn.execute("ALTER TABLE intake.documents DROP COLUMN visit_id")
        conn.execute("ALTER TABLE intake.intakes DROP COLUMN languages")
        conn.execute("DROP TABLE intake.intake_tokens")
        conn.execute("DROP TRIGGER intake_tokens_token ON intake.search_tokens")
        conn.execute("DROP TRIGGER intake_tokens_intake ON intake.intakes")
        conn.execute("DROP FUNCTION intake.intake_tokens_of_token, intake.intake_tokens_of_intake")
        conn.execute("DELETE FROM intake.migrations WHERE version > 2")
    write_from(north, pg_database, engine, clock, 1)
    with psycopg.connect(pg_database) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM intake.migrations ORDER BY version")]
        columns = [row[0] for row in conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                                                  "table_schema = 'intake' AND table_name = 'documents'")]
        indexed = conn.execute("SELECT count(DISTINCT intake_id) FROM intake.intake_tokens").fetchone()[0]
        languages = conn.execute("SELECT languages FROM intake.intakes").fetchall()
    assert versions == list(range(1, VERSION + 1)) == [1, 2, 3, 4, 5] and "visit_id" in columns
    assert languages and all(row[0] is None for row in languages)
    assert indexed == 3  # the three intakes, each under its client's tokens
    assert verify_from(north, pg_database, engine, clock).ok


def test_the_search_index_changed_outside_intake_is_named(sites, engine, pg_database):
    north, _ = sites
    clock = Clock()
    write_from(north, pg_database, engine, clock, 2)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("DELETE FROM intake.intake_tokens WHERE ctid IN (SELECT ctid FROM intake.intake_tokens LIMIT 2)")
        conn.execute("INSERT INTO intake.intake_tokens VALUES (12345, '2026-01-01T00:00:00Z', 'nobody')")
    messages = " | ".join(p.message for p in verify_from(north, pg_database, engine, clock).problems)
    assert "2 row(s) of the search index (table intake_tokens) were deleted outside intake" in messages
    assert "1 row(s) were added to the search index (table intake_tokens) outside intake" in messages
