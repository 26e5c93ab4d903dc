"""`intake check` on a clinic group's records server, and TLS: verified, required, refused, or missing."""

from __future__ import annotations

import psycopg
import pytest

from intake.cli import main
from intake.config import load_config
from intake.records.postgres import PostgresStore, ServerUnavailableError
from intake.records.postgres.schema import VERSION
from intake.records.postgres.settings import ENV
from tests.records.pgserver import PLAIN_ROLE, Server, pg_database_fixture, pg_server_fixture  # noqa: F401
from tests.records.test_postgres_settings import postgres_config


@pytest.fixture
def group(tmp_path):
    return postgres_config(tmp_path, 'engine = "postgresql"')


def check(config_path, dsn, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv(ENV, dsn)
    code = main(["--config", str(config_path), "check"])
    return code, capsys.readouterr().out


def test_a_verified_tls_connection_checks_out_and_the_records_open_over_it(
        group, engine, pg_server: Server, pg_database, monkeypatch, capsys):
    dsn = pg_server.tcp_dsn("intake_tests", "verify-full")
    with PostgresStore.open(load_config(group), dsn=dsn, engine=engine) as store:
        assert store.backend.conn.pgconn.ssl_in_use
    code, out = check(group, dsn, monkeypatch, capsys)
    assert code == 0, out
    assert "OK: the connection is encrypted (TLS) and the server's certificate and name are verified" in out
    assert f"OK: schema {VERSION}" in out and "holds every privilege intake needs" in out


def test_a_server_posing_under_another_name_is_refused_in_plain_words(group, pg_server: Server, pg_database):
    dsn = pg_server.tcp_dsn("intake_tests", "verify-full", host="other.intake.test")
    with pytest.raises(ServerUnavailableError, match="identity could not be verified.*Nothing was changed"):
        PostgresStore.open(load_config(group), dsn=dsn)


def test_a_server_that_requires_tls_refuses_a_plain_connection_in_plain_words(group, pg_server: Server, pg_database):
    with pytest.raises(ServerUnavailableError, match="accepts only encrypted connections.*sslmode=verify-full"):
        PostgresStore.open(load_config(group), dsn=pg_server.tcp_dsn("intake_tests", "disable"))


def test_check_names_an_unencrypted_or_unverified_connection(group, pg_server: Server, pg_database, monkeypatch,
                                                             capsys):
    pg_server.sql(f"DO $$ BEGIN CREATE ROLE {PLAIN_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    code, out = check(group, pg_server.tcp_dsn("intake_tests", "disable", user=PLAIN_ROLE), monkeypatch, capsys)
    assert code == 1 and "Problem: the connection to db.intake.test is not encrypted" in out
    code, out = check(group, pg_server.tcp_dsn("intake_tests", "require"), monkeypatch, capsys)
    assert "Warning: the connection is encrypted (TLS) but the server's certificate is not verified" in out


def test_check_names_missing_privileges_a_newer_schema_and_an_unreachable_server(
        group, engine, pg_server: Server, pg_database, monkeypatch, capsys):
    with PostgresStore.open(load_config(group), dsn=pg_database, engine=engine):
        pass
    pg_server.sql(f"DO $$ BEGIN CREATE ROLE {PLAIN_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pg_server.sql(f"GRANT USAGE ON SCHEMA intake TO {PLAIN_ROLE}", "intake_tests")
    pg_server.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA intake TO {PLAIN_ROLE}", "intake_tests")
    limited = pg_server.dsn("intake_tests", user=PLAIN_ROLE)
    code, out = check(group, limited, monkeypatch, capsys)
    assert code == 1 and f"the database user {PLAIN_ROLE} lacks privileges intake needs: INSERT on intake." in out
    pg_server.sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA intake FROM {PLAIN_ROLE}", "intake_tests")
    pg_server.sql(f"REVOKE ALL ON SCHEMA intake FROM {PLAIN_ROLE}", "intake_tests")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO intake.migrations VALUES (99, 'later', 'a later intake')")
    code, out = check(group, pg_database, monkeypatch, capsys)
    assert code == 1 and "Problem: the records were written by a newer version of intake (schema 99" in out
    code, out = check(group, f"host={pg_server.root}/nowhere port=1 dbname=x user=y", monkeypatch, capsys)
    assert code == 1 and "Problem: cannot reach the records server" in out
