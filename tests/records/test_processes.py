"""Real processes: kill -9 in the middle of an intake, and two kiosks writing at the same time."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intake.config import load_config
from intake.records import Store
from tests.records.conftest import SECRET_NAME, record_named, step_answers

ROOT = Path(__file__).resolve().parents[2]


def spawn(config_path: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "INTAKE_DATA_KEY"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "tests.records.kiosk", str(config_path), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("acknowledged", [1, 23, 45])
def test_kill_9_mid_intake_loses_at_most_the_answer_being_saved(config_path, engine, acknowledged):
    record = record_named()
    order = [q.id for q in engine.questionnaire.questions() if q.id in record["answers"]]
    child = spawn(config_path, "answers", SECRET_NAME)
    first = child.stdout.readline()
    assert first.startswith("intake "), child.stderr.read()
    intake_id = first.split()[1]
    acked = [child.stdout.readline().split()[1] for _ in range(acknowledged)]
    time.sleep(random.Random(acknowledged).uniform(0, 0.004))  # land anywhere, often inside the next save
    os.kill(child.pid, signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    assert child.returncode == -signal.SIGKILL
    acked += [line.split()[1] for line in rest.splitlines() if line.startswith("saved ")]
    assert acked == order[:len(acked)] and len(acked) < len(order)

    config = load_config(config_path)
    with Store.open(config, engine=engine) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.verify_audit().ok
        [draft] = store.drafts()
        view = store.load_intake(intake_id)
        saved = [q for q in order if q in view.answers]
        assert saved[:len(acked)] == acked  # everything acknowledged survived
        assert len(saved) - len(acked) <= 1  # at most the answer in flight was also written
        assert all(view.answers[q] == record["answers"][q] for q in saved)

        steps = [s.id for s in engine.questionnaire.steps]  # resume where the draft says and finish
        start = steps.index(draft.next_step or draft.step_id or steps[0])
        for index in range(start, len(steps)):
            store.save_step(intake_id, step_id=steps[index], answers=step_answers(engine, record, steps[index]),
                            next_step=steps[index + 1] if index + 1 < len(steps) else None, staff="amy",
                            device="kiosk-1")
        assert store.submit(intake_id, record=record, assessment=engine.assess(record).to_dict(), staff="amy",
                            device="kiosk-1") == "submitted"
        assert store.load_intake(intake_id).answers == engine.questionnaire.prune(record["answers"])


def test_kill_9_inside_a_save_leaves_the_previous_state_whole(config_path, engine):
    child = spawn(config_path, "die-inside", SECRET_NAME)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    intake_id = out.split()[1]
    with Store.open(load_config(config_path), engine=engine) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        view = store.load_intake(intake_id)
        assert (view.step_id, view.next_step) == ("about_you", "your_skin")
        assert "skin_type" not in view.answers and view.answers["full_name"] == SECRET_NAME
        assert [e.event for e in store.audit_trail(intake_id)] == ["started", "step_saved"]
        assert store.verify_audit().ok


def test_two_kiosks_writing_at_once_lose_nothing(config_path, engine, tmp_path):
    config_path.write_text(config_path.read_text().replace("busy_timeout_seconds = 5", "busy_timeout_seconds = 60"))
    go = tmp_path / "go"
    kiosks = [spawn(config_path, "many", "12", device, str(go)) for device in ("kiosk-a", "kiosk-b")]
    for kiosk in kiosks:
        assert kiosk.stdout.readline().strip() == "ready", kiosk.stderr.read()
    go.touch()
    outputs = [kiosk.communicate(timeout=120) for kiosk in kiosks]
    for kiosk, (_, err) in zip(kiosks, outputs, strict=True):
        assert kiosk.returncode == 0, err
    ids = [line for out, _ in outputs for line in out.split()]
    assert len(set(ids)) == 24

    with Store.open(load_config(config_path), engine=engine) as store:
        assert {store.load_intake(i).status for i in ids} == {"submitted"}
        assert len(store.search(None, limit=100).rows) == 24
        assert store.verify_audit().ok
        trail = store.audit_trail()
        assert len(trail) == 24 * 10  # started + 7 steps + submitted + assessed, for every intake
        for intake_id in ids:
            assert [e.event for e in trail if e.intake_id == intake_id].count("step_saved") == 7
        seqs = {d: [e.seq for e in trail if e.device == d] for d in ("kiosk-a", "kiosk-b")}
        assert min(seqs["kiosk-a"]) < max(seqs["kiosk-b"]) and min(seqs["kiosk-b"]) < max(seqs["kiosk-a"])
    with sqlite3.connect(load_config(config_path).data_dir / "intake.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
