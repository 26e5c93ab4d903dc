"""Choosing the PostgreSQL engine: [storage] engine, the connection string from a private file or the environment
(never the TOML), and the command line's plain refusals (exit 1) for a server it cannot use."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from intake.cli import main
from intake.config import load_config
from intake.errors import DataFileError
from intake.records import Store, create_data_key, open_store
from intake.records.postgres import DatabaseSettingsError, PostgresStore
from intake.records.postgres.settings import ENV, dsn
from tests.records.conftest import record_named, signed_new, write_config
from tests.records.pgserver import Server, pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)


def postgres_config(folder: Path, storage: str) -> Path:
    """A clinic TOML like the other tests' with more [storage] lines, and its data key."""
    path = write_config(folder)
    text = path.read_text(encoding="utf-8").replace("[storage]\n", f"[storage]\n{storage}\n")
    path.write_text(text, encoding="utf-8")
    create_data_key(load_config(path))
    return path


def dsn_file(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "records.dsn"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture(autouse=True)
def _no_env_dsn(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)


def test_the_connection_string_comes_from_a_private_file_or_the_environment(tmp_path, monkeypatch):
    secret = dsn_file(tmp_path, "# the clinic group's server\npostgresql://intake:pw@db.example.org/intake\n")
    config = load_config(postgres_config(tmp_path, f'engine = "postgresql"\npostgresql_dsn_file = "{secret}"'))
    assert dsn(config) == "postgresql://intake:pw@db.example.org/intake"
    monkeypatch.setenv(ENV, "host=other.example.org dbname=intake")
    assert dsn(config) == "host=other.example.org dbname=intake"  # the environment first, as for the data key
    monkeypatch.delenv(ENV)
    secret.chmod(0o640)
    with pytest.raises(DatabaseSettingsError, match=r"can be read by other users \(mode 640\).*chmod 600"):
        dsn(config)
    secret.chmod(0o600)
    secret.write_text("host=a\nhost=b\n", encoding="utf-8")
    with pytest.raises(DatabaseSettingsError, match="exactly one line"):
        dsn(config)
    secret.unlink()
    with pytest.raises(DatabaseSettingsError, match="does not exist"):
        dsn(config)


def test_postgresql_without_a_connection_string_is_refused_in_words(tmp_path):
    config = load_config(postgres_config(tmp_path, 'engine = "postgresql"'))
    with pytest.raises(DatabaseSettingsError, match="postgresql_dsn_file.*INTAKE_DATABASE_URL"):
        open_store(config)


def test_the_connection_string_is_never_taken_from_the_toml_and_the_engine_is_checked(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(DataFileError, match="postgresql_dsn"):
        load_config(postgres_config(tmp_path / "a", 'engine = "postgresql"\n'
                                    'postgresql_dsn = "postgresql://intake:pw@db/intake"'))
    with pytest.raises(DataFileError, match="engine"):
        load_config(postgres_config(tmp_path / "b", 'engine = "mysql"'))


def test_open_store_picks_the_engine_the_clinic_names(tmp_path, engine, pg_database):
    (tmp_path / "lite").mkdir()
    with open_store(load_config(postgres_config(tmp_path / "lite", "")), engine=engine) as store:
        assert isinstance(store, Store)
    secret = dsn_file(tmp_path, pg_database)
    config = load_config(postgres_config(tmp_path, f'engine = "postgresql"\npostgresql_dsn_file = "{secret}"'))
    with open_store(config, engine=engine) as store:
        assert isinstance(store, PostgresStore)
        intake_id = signed_new(store, engine, record_named())
    with open_store(config, engine=engine) as store:
        assert store.load_intake(intake_id).status == "signed"


def test_the_command_line_works_on_postgresql_and_refuses_a_server_it_cannot_use(tmp_path, engine, pg_server: Server,
                                                                                 pg_database, capsys, monkeypatch):
    config_path = postgres_config(tmp_path, 'engine = "postgresql"')
    monkeypatch.setenv(ENV, pg_database)
    with open_store(load_config(config_path), engine=engine) as store:
        intake_id = signed_new(store, engine, record_named())
    assert main(["--config", str(config_path), "records", "list"]) == 0
    assert intake_id in capsys.readouterr().out
    assert main(["--config", str(config_path), "audit", "verify"]) == 0
    assert "Audit trail OK" in capsys.readouterr().out
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO intake.migrations VALUES (7, 'later', 'a later intake')")
    assert main(["--config", str(config_path), "records", "list"]) == 1
    err = capsys.readouterr().err
    assert "newer version of intake" in err and "Traceback" not in err
    monkeypatch.setenv(ENV, pg_server.dsn("postgres").replace(str(pg_server.root), str(pg_server.root / "nowhere")))
    assert main(["--config", str(config_path), "records", "list"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the records server" in err and "Traceback" not in err


def test_key_rotation_without_its_server_is_refused_and_changes_nothing(tmp_path, capsys):
    config_path = postgres_config(tmp_path, 'engine = "postgresql"')
    key = load_config(config_path).path("security", "data_key_file")
    before = key.read_bytes()
    assert main(["--config", str(config_path), "keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "INTAKE_DATABASE_URL" in err and "Traceback" not in err, err
    assert key.read_bytes() == before and sorted(p.name for p in key.parent.iterdir()) == [key.name]
    assert not (tmp_path / "data").exists()  # no SQLite store was made beside it
