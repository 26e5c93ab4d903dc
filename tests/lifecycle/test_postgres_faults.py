"""A clinic group's server killed and started again in the middle of the work staff do: an import of several
answers files, and a countersignature. Each interrupted act is refused in plain words with nothing half-kept;
done again once the server is back, it is kept once, and the trail verifies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intake.lifecycle import Lifecycle
from intake.records.postgres import ConnectionLostError, PostgresStore
from intake.records.postgres.connection import ServerUnavailableError
from tests.documents.personas import baseline, record
from tests.lifecycle.conftest import AJORDAN, COUNTER_TIME, DESK, policy_engine
from tests.lifecycle.test_lifecycle import signatures
from tests.records.pgserver import Server, pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)


@pytest.fixture
def group_life(life_dir, life_renderer, tmp_path, pg_database, life_engine) -> Iterator[Lifecycle]:
    """The test clinic's lifecycle on the throwaway server (its own checkpoint in tmp_path)."""
    engine = policy_engine(life_dir, tmp_path, life_engine.config.minors_policy)
    store = PostgresStore.open(engine.config, dsn=pg_database, engine=engine, clock=lambda: COUNTER_TIME)
    yield Lifecycle(engine, store, life_renderer, clock=lambda: COUNTER_TIME)
    store.close()


def _file(life: Lifecycle, n: int) -> dict:
    rec = record(life.engine, baseline(life.engine))
    return {**rec, "answers": {**rec["answers"], "phone": f"+44 20 7946 {n:04d}"}}


def test_the_server_killed_during_an_import_keeps_each_file_once(group_life, pg_server: Server):
    files = [_file(group_life, n) for n in range(1, 4)]
    first = group_life.import_answers(files[0], DESK).intake
    pg_server.crash()
    try:
        with pytest.raises((ConnectionLostError, ServerUnavailableError), match="records server"):
            group_life.import_answers(files[1], DESK)
    finally:
        pg_server.restart()
    again = [group_life.import_answers(f, DESK) for f in files]  # the whole import run again
    assert [r.new for r in again] == [False, True, True] and again[0].intake.intake_id == first.intake_id
    assert len({r.intake.intake_id for r in again}) == 3
    report = group_life.store.verify_audit()
    assert report.ok, report.problems


class CrashingRenderer:
    """The clinic's renderer, with the server killed while the documents are being laid out."""

    def __init__(self, renderer, server: Server):
        self.renderer, self.server = renderer, server

    def __getattr__(self, name):
        return getattr(self.renderer, name)

    def render(self, *args, **kwargs):
        packet = self.renderer.render(*args, **kwargs)
        self.server.crash()
        return packet


def test_the_server_killed_during_a_countersignature_keeps_nothing_half_signed(group_life, pg_server: Server,
                                                                                life_renderer):
    intake = group_life.import_answers(_file(group_life, 10), DESK).intake
    group_life.sign(intake, signatures(group_life, intake), DESK)
    counter = group_life.countersignature(intake, AJORDAN, group_life.default_plan(intake))
    crashing = Lifecycle(group_life.engine, group_life.store, CrashingRenderer(life_renderer, pg_server),
                         clock=lambda: COUNTER_TIME)
    try:
        packet = crashing.render(intake, counter)
        with pytest.raises((ConnectionLostError, ServerUnavailableError), match="records server"):
            crashing.keep_documents(intake, packet, DESK)
    finally:
        pg_server.restart()
    assert group_life.store.load_intake(intake.intake_id).status == "submitted"  # not half signed
    again, _ = group_life.load(intake.intake_id)  # as the practitioner's screen opens it again
    counter = group_life.countersignature(again, AJORDAN, group_life.default_plan(again))
    group_life.keep_documents(again, group_life.render(again, counter), DESK)
    kept = group_life.store.load_intake(intake.intake_id)
    assert kept.status == "signed" and len({d.kind for d in kept.documents}) == len(kept.documents) >= 1
    report = group_life.store.verify_audit()
    assert report.ok, report.problems
