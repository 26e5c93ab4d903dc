"""A kiosk in its own process, for the crash and concurrency tests: `python -m tests.records.kiosk CONFIG MODE ...`.

Modes:
    answers NAME     start one intake and save it answer by answer, printing `saved <question>` after
                     each save has returned (so the parent knows it is on disk), then `done`.
    die-inside NAME  save one step, then die by SIGKILL inside the next save, just before its COMMIT.
    many N DEVICE GO fill and submit N complete intakes as DEVICE once the file GO exists, printing each id.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from intake.config import load_config
from intake.engine import Engine
from intake.records import Store
from tests.records.conftest import fill_draft, record_named


def answer_by_answer(store: Store, engine: Engine, name: str) -> None:
    record = record_named(name)
    intake_id = store.start_intake(staff="amy", device="kiosk-1", consultation_date=record["consultation_date"])
    print(f"intake {intake_id}", flush=True)
    steps = engine.questionnaire.steps
    for index, step in enumerate(steps):
        so_far = {}
        present = [q.id for q in step.questions if q.id in record["answers"]]
        for question_id in present:
            so_far[question_id] = record["answers"][question_id]
            last = question_id == present[-1]
            next_step = (steps[index + 1].id if index + 1 < len(steps) else None) if last else step.id
            store.save_step(intake_id, step_id=step.id, answers=so_far, next_step=next_step, staff="amy",
                            device="kiosk-1")
            print(f"saved {question_id}", flush=True)
    print("done", flush=True)


def die_inside_a_save(store: Store, engine: Engine, name: str) -> None:
    """Saves the first step, then kills itself inside the second save, after its writes, before COMMIT."""
    import os
    import signal

    from intake.records import audit

    record = record_named(name)
    intake_id = fill_draft(store, engine, record, steps=1)
    print(f"intake {intake_id}", flush=True)
    original = audit.append

    def append_then_die(*args, **kwargs):
        original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    audit.append = append_then_die
    store.save_step(intake_id, step_id="your_skin", answers={"skin_type": "III"}, next_step="skin_today",
                    staff="amy", device="kiosk-1")


def many(store: Store, engine: Engine, count: int, device: str, go: Path) -> None:
    print("ready", flush=True)
    while not go.exists():  # both kiosks start writing at the same moment
        time.sleep(0.005)
    for n in range(count):
        record = record_named(f"Client {device.replace('-', ' ')} Number {'abcdefghijklmnopqrstuvwxyz'[n]}")
        intake_id = fill_draft(store, engine, record, device=device)
        store.submit(intake_id, record=record, assessment=engine.assess(record).to_dict(), staff="amy", device=device)
        print(intake_id, flush=True)


def main(argv: list[str]) -> int:
    config = load_config(argv[1])
    engine = Engine.load(config)
    with Store.open(config, engine=engine) as store:
        if argv[2] == "answers":
            answer_by_answer(store, engine, argv[3])
        elif argv[2] == "die-inside":
            die_inside_a_save(store, engine, argv[3])
        else:
            many(store, engine, int(argv[3]), argv[4], Path(argv[5]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
