"""Several writer processes on one PostgreSQL database: none waits forever, no write is lost, the chain never forks.

Four processes (as four tablets or sites would) start together and each makes its intakes, two write
transactions apiece; the advisory lock every write transaction takes makes them take turns. Afterwards every
intake each one reported is there, the audit trail holds exactly their entries, one chain, and verifies
(the checkpoint all four appended to included).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from intake.config import load_config
from intake.records import open_store
from intake.records.postgres.settings import ENV
from tests.records.pgserver import pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)
from tests.records.test_postgres_settings import postgres_config

ROOT = Path(__file__).resolve().parents[2]
WRITERS, EACH = 4, 25


def test_four_writer_processes_lose_nothing_and_the_audit_chain_verifies(tmp_path, engine, pg_database, monkeypatch):
    config_path = postgres_config(tmp_path, 'engine = "postgresql"')
    monkeypatch.setenv(ENV, pg_database)
    with open_store(load_config(config_path), engine=engine):
        pass  # the schema is made once, before the writers come
    env = {**os.environ, "PYTHONPATH": str(ROOT), ENV: pg_database}
    env.pop("INTAKE_DATA_KEY", None)
    writers = [subprocess.Popen([sys.executable, "-m", "tests.records.pgwriter", str(config_path), str(EACH),
                                 f"tablet-{n}"], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for n in range(WRITERS)]
    try:
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready", writer.stderr
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        results = [writer.communicate(timeout=120) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert [w.returncode for w in writers] == [0] * WRITERS, [err for _, err in results]
    made = {n: out.split() for n, (out, _) in enumerate(results)}
    assert all(len(ids) == EACH for ids in made.values())
    with open_store(load_config(config_path), engine=engine) as store:
        trail = store.audit_trail()
        stored = set(store.backend.intake_ids())
        report = store.verify_audit()
    assert stored == {i for ids in made.values() for i in ids}  # no write lost
    assert [e.seq for e in trail] == list(range(1, WRITERS * EACH * 2 + 1))  # one chain, nothing extra
    for n, ids in made.items():
        mine = [(e.event, e.intake_id) for e in trail if e.device == f"tablet-{n}"]
        assert mine == [(event, i) for i in ids for event in ("started", "viewed")]
    assert report.ok, report.problems
    assert not report.notes, report.notes
    times = [e.at for e in trail]
    assert len(set(times)) == len(times) and times == sorted(times)  # each transaction its own, later time
