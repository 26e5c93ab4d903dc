"""Benchmarks the PostgreSQL engine for a clinic group (issue 24), on a throwaway server on this machine.

- A draft step saved (the wizard's commonest write: one audited, sealed transaction) on PostgreSQL over its
  unix socket, against the same save on SQLite in the same run. Both durable: the server runs with fsync on
  (the test server's default is off; turned on here) and every write transaction sets synchronous_commit = on;
  SQLite syncs its WAL. Budget: <= 3x SQLite.
- Eight writer processes started together, each making intakes (two write transactions apiece) for a fixed
  time: errors, writes lost (reported but not stored) and whether the audit trail verifies afterwards.
  Budget: 0 errors, 0 lost, verifies. INTAKE_BENCH_WRITER_SECONDS sets the time (default 20; the issue's 60 s
  run: INTAKE_BENCH_WRITER_SECONDS=60 make bench).

- Search at 100k intakes on PostgreSQL (INTAKE_BENCH_PG_SEARCH sets the count; 0 leaves it out): the same
  fixture, queries and budget as bench_records' SQLite lines (p90 <= 20 ms), the fixture built through the one
  write path (row seals, digests, the server's checkpoint) in one transaction.

- Key rotation (`intake keys rotate`) of a store of 1,000 intakes built as the search fixture is (bench_records),
  on PostgreSQL and, as the same-run baseline, on SQLite: every value re-encrypted, tokens and chain remade, in one
  transaction. Reported per 1,000 intakes; no budget of its own.

Run alone: python bench/bench_postgres.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WRITERS = 8


def _config(folder: Path, storage: str) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.records.test_postgres_settings import postgres_config

    folder.mkdir(parents=True, exist_ok=True)
    return postgres_config(folder, storage)


def _save_times(store, engine, repeat: int = 60) -> list[float]:
    from tests.records.conftest import record_named, step_answers

    record = record_named()
    step = engine.questionnaire.steps[0].id
    answers = step_answers(engine, record, step)
    intake_id = store.start_intake(staff="amy", device="bench", consultation_date="2026-11-20")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        store.save_step(intake_id, step_id=step, answers=answers, next_step=None, staff="amy", device="bench")
        times.append(time.perf_counter() - start)
    return times[5:]


def _writers(config_path: Path, dsn: str, seconds: float) -> tuple[int, int, int, bool]:
    """(intakes reported, intakes stored, writer errors, verifies) for WRITERS processes writing `seconds`."""
    from intake.config import load_config
    from intake.records import open_store
    from intake.records.postgres.settings import ENV

    env = {**os.environ, "PYTHONPATH": str(ROOT), ENV: dsn}
    env.pop("INTAKE_DATA_KEY", None)
    procs = [subprocess.Popen([sys.executable, "-m", "tests.records.pgwriter", str(config_path), f"{seconds}s",
                               f"site-{n}"], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(WRITERS)]
    for proc in procs:
        assert proc.stdout is not None
        proc.stdout.readline()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [proc.communicate(timeout=seconds + 120) for proc in procs]
    reported = {line for out, _ in outputs for line in out.split()}
    errors = sum(1 for proc in procs if proc.returncode != 0)
    os.environ[ENV] = dsn
    try:
        with open_store(load_config(config_path)) as store:
            stored = set(store.backend.intake_ids())
            ok = store.verify_audit().ok
    finally:
        os.environ.pop(ENV, None)
    return len(reported), len(reported & stored), errors, ok


def _searches(server, folder: Path, engine) -> list:
    """bench_records' search lines, on a fresh PostgreSQL database of the same throwaway server."""
    import bench_records

    from intake.config import load_config
    from intake.records.postgres import PostgresStore

    count = int(os.environ.get("INTAKE_BENCH_PG_SEARCH", "100000"))
    if count <= 0:
        return []
    dsn = server.dsn(server.fresh_database())
    config = load_config(_config(folder / "pg-search", 'engine = "postgresql"'))
    results, _ = bench_records._bench_search_size(folder / "search", engine, count,
                                                  store=PostgresStore.open(config, dsn=dsn, engine=engine),
                                                  engine_name="postgres ")
    return results


def _rotation(server, folder: Path, engine, intakes: int = 1000):
    """Seconds to rotate the data key of `intakes` intakes on PostgreSQL, against SQLite in the same run."""
    import bench_records
    from harness import Result

    from intake.config import load_config
    from intake.records import open_store
    from intake.records.postgres.settings import ENV
    from intake.records.rotate import rotate_data_key

    seconds = {}
    for name, storage in (("sqlite", ""), ("postgres", 'engine = "postgresql"')):
        config = load_config(_config(folder / f"rotate-{name}", storage))
        os.environ[ENV] = server.dsn(server.fresh_database())
        with open_store(config, engine=engine) as store:
            bench_records._build_fixture(store, intakes)
        start = time.perf_counter()
        rotate_data_key(config, staff="amy", device="bench")
        seconds[name] = time.perf_counter() - start
    os.environ.pop(ENV, None)
    per = 1000 / intakes
    return Result("postgres: data key rotated, per 1,000 intakes", seconds["postgres"] * per, "report only", True,
                  "SQLite rotation", seconds["sqlite"] * per, note="one transaction: every value re-encrypted, "
                  "search tokens, audit chain and row seals remade")


def collect() -> list:
    from harness import Result, median

    sys.path.insert(0, str(ROOT))
    from intake.config import load_config
    from intake.engine import Engine
    from intake.records import Store
    from intake.records.postgres import PostgresStore
    from tests.records.pgserver import Server

    seconds = float(os.environ.get("INTAKE_BENCH_WRITER_SECONDS", "20"))
    server = Server()
    server.start()
    try:
        server.sql("ALTER SYSTEM SET fsync = on")
        server.sql("SELECT pg_reload_conf()")
        dsn = server.dsn(server.fresh_database())
        with tempfile.TemporaryDirectory() as folder:
            lite_path = _config(Path(folder) / "sqlite", "")
            engine = Engine.load(lite_path)
            with Store.open(load_config(lite_path), engine=engine) as lite:
                sqlite_times = _save_times(lite, engine)
            pg_path = _config(Path(folder) / "pg", 'engine = "postgresql"')
            with PostgresStore.open(load_config(pg_path), dsn=dsn, engine=engine) as pg:
                pg_times = _save_times(pg, engine)
            reported, kept, errors, verifies = _writers(pg_path, dsn, seconds)
            rotation = _rotation(server, Path(folder), engine)
            searches = _searches(server, Path(folder), engine)
    finally:
        server.stop()
    ratio = median(pg_times) / median(sqlite_times)
    return [
        Result("postgres: draft step saved", median(pg_times), "<= 3x SQLite", ratio <= 3, "SQLite save",
               median(sqlite_times), note="one audited, sealed, durable transaction each (server fsync on, unix "
               "socket)"),
        Result(f"postgres: {WRITERS} writers x {seconds:g} s: intakes made", float(reported),
               "0 errors, 0 lost, verifies", errors == 0 and kept == reported and verifies,
               note=f"{errors} writer errors, {reported - kept} lost, audit trail "
                    f"{'verifies' if verifies else 'does NOT verify'}", unit="count"),
        rotation,
        *searches,
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    from run import print_results

    print_results(collect())
