"""Benchmarks a returning client's further session (issue 22).

- Key presses at the plain prompts (`intake ask --visit`) for a client with nothing changed whose skin healed
  well: the real LinePrompter, fed by a person who reads each option's key off the screen; every character
  typed and every Enter counts, the member of staff's PIN included. Budget: 30 (the issue's kiosk budget).
- The kiosk (Textual Pilot, the real app on the SQLite store), a returning client with nothing changed, from the
  welcome's "I'm here for my next session" to the hand-back: keys pressed (budget 30, counted besides the characters
  of the name, date of birth and PIN typed, as tests/tui/test_visit.py counts them: the same walk, imported from
  there), the Pilot walk's wall time, and a person's time at PERSON_SECONDS_PER_KEY for every key (budget 2 minutes).
- The practitioner's treatment record at the kiosk with the plan unchanged (depths prefilled): keys besides the
  characters typed (budget 20), the same record as tests/tui/test_visit.py's.
- The core's four acts of a session on the SQLite store (start, re-screen, treatment record, countersignature),
  each audited and synced: the median of a whole session, against the same run's consultation import (the one
  act a first intake's answers take to be stored and assessed) as the baseline.

Run alone: python bench/bench_visits.py
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PIN = "731904"
KEY_BUDGET = 30
RECORD_KEY_BUDGET = 20
#: A person's time per key at a touch screen or keyboard, for the kiosk's two-minute budget (a stated estimate).
PERSON_SECONDS_PER_KEY = 1.5


def _clinic(folder: Path) -> Any:
    """A copy of the demo clinic in `folder`, with its keys, its seal and a practitioner's account."""
    from intake.config import load_config
    from intake.documents import create_seal_identity
    from intake.paths import DEMO_CONFIG
    from intake.records import Store, create_data_key

    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for old, new in [('"intake-data"', f'"{folder}/data"'), ('"intake-keys/', f'"{folder}/keys/'),
                     ('"intake-documents"', f'"{folder}/documents"')]:
        text = text.replace(old, new)
    (folder / "clinic.toml").write_text(text, encoding="utf-8")
    config = load_config(folder / "clinic.toml")
    create_data_key(config)
    create_seal_identity(config, valid_from=datetime(2026, 1, 1, tzinfo=UTC))
    with Store.open(config) as store:
        store.staff.add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan", pin=PIN,
                        by="setup", device="bench")
    return config


def _courses(life: Any, count: int) -> list[str]:
    """`count` clients, each through a consultation to a countersigned consent (the courses)."""
    import json

    from intake.lifecycle import Actor, ClientSignatures
    from intake.lifecycle.auth import Authenticated

    desk = Actor("reception", "bench")
    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "bench")
    example = json.loads((ROOT / "examples" / "suitable.json").read_text(encoding="utf-8"))
    ids = []
    for n in range(count):
        answers = {**example["answers"], "date_of_birth": (date(1980, 1, 1) + timedelta(days=n)).isoformat(),
                   "photo_consent": False, "photo_uses": None}
        answers = {k: v for k, v in answers.items() if v is not None}
        intake = life.import_answers({**example, "answers": answers}, desk).intake
        name = answers["full_name"]
        life.sign(intake, ClientSignatures(life.typed_signature(intake, "consent", name), None), desk)
        life.keep_documents(intake, life.render(intake, life.countersignature(intake, who, life.default_plan(intake))),
                            desk)
        ids.append(intake.intake_id)
    return ids


def _keys_at_prompts(engine: Any, config: Any, course_id: str, visit_day: datetime) -> int:
    """Key presses for a re-screen with nothing changed at the real plain prompts, PIN included."""
    from intake.dates import human_date
    from intake.lifecycle import Lifecycle
    from intake.lifecycle.visits import Visits
    from intake.prompt.visit import AskVisit
    from intake.records import Store
    from tests.prompt.fake import KeyboardPrompter, key_of

    questions = {q.id: q for q in engine.rescreen.questionnaire.questions()}
    #: the option as the client reads it, naming the last session's day (the consultation's, 20 November 2026)
    nothing_changed = f"Nothing has changed since {human_date(date(2026, 11, 20))}"

    def person(key: str, written: list[str]) -> str:
        if key == "staff_pin":
            return PIN
        question = questions[key]
        label = nothing_changed if key == "changes_since_last" else "No" if question.type == "yes_no" else \
            question.options[0].label["en"]
        return key_of(label)(written)

    prompter = KeyboardPrompter([], person=person)
    with Store.open(config, engine=engine) as store:
        visit = AskVisit(Visits(Lifecycle(engine, store, clock=lambda: visit_day)), prompter, "bench").run(course_id)
    assert visit is not None and visit.status == "ready", visit
    return sum(len(line) + 1 for key, line in prompter.typed if key != "<start>")


def _kiosk(engine: Any, born: date, visit_day: datetime) -> tuple[Any, float, Any]:
    """The next session by keys at the kiosk (keys, the walk's wall time), then the treatment record by keys."""
    import asyncio

    from intake.tui.clock import FrozenClock
    from intake.tui.screens.treatment import TreatmentScreen
    from intake.tui.screens.visit import VisitOutcomeScreen
    from tests.tui.conftest import SIZES, build_app
    from tests.tui.driver import enter_pin, press, wait_for
    from tests.tui.test_visit import next_session_by_keys, treatment_record_by_keys

    async def walk() -> tuple[Any, float, Any]:
        app = build_app(engine, clock=FrozenClock(visit_day), store="sqlite")
        async with app.run_test(size=SIZES["tablet"]) as pilot:
            await app.wait_ready()
            start = time.perf_counter()
            keys = await next_session_by_keys(pilot, "Maria Okonkwo-Smith", born.strftime("%d/%m/%Y"), PIN)
            took = time.perf_counter() - start
            await press(pilot, "#staff")
            await enter_pin(pilot, PIN)
            await wait_for(pilot, VisitOutcomeScreen)
            await press(pilot, "#treatment")
            record = await treatment_record_by_keys(pilot, await wait_for(pilot, TreatmentScreen), PIN)
        app.session.close()
        return keys, took, record

    return asyncio.run(walk())


def _session_times(life: Any, courses: list[str], visit_day: date) -> list[float]:
    from intake.lifecycle import Actor
    from intake.lifecycle.auth import Authenticated
    from intake.lifecycle.visits import Visits

    visits = Visits(life)
    desk = Actor("reception", "bench")
    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "bench")
    answers = {"changes_since_last": "nothing_changed"}
    rescreen = life.engine.rescreen
    for question in rescreen.questionnaire.questions():
        if question.id != "changes_since_last" and question.id not in rescreen.asked_again:
            answers[question.id] = False if question.type == "yes_no" else question.options[0].id
    times = []
    for course_id in courses:
        start = time.perf_counter()
        visit = visits.begin(course_id, desk, visit_day)
        visit = visits.rescreen(visit.visit_id, answers, desk)
        state = visits.state(course_id)
        treatment = {"areas": {a: low for a, (low, _) in state.course.areas.items()}, "device": "Dr. Pen A6",
                     "needles": 12, "cartridge_lot": "LOT-1", "cartridge_expiry": "2030-01-31", "numbing": "none",
                     "serum": "none", "skin_response": "even redness", "adverse_events": "none", "advice": "sheet"}
        visits.record(visit.visit_id, who, treatment)
        visits.countersign(visit.visit_id, who)
        times.append(time.perf_counter() - start)
    return times


def _import_times(life: Any, count: int) -> list[float]:
    import json

    from intake.lifecycle import Actor

    example = json.loads((ROOT / "examples" / "suitable.json").read_text(encoding="utf-8"))
    times = []
    for n in range(count):
        record = copy.deepcopy(example)
        record["answers"].update(date_of_birth=(date(1960, 1, 1) + timedelta(days=n)).isoformat(), photo_consent=False)
        record["answers"].pop("photo_uses", None)
        start = time.perf_counter()
        life.import_answers(record, Actor("reception", "bench"))
        times.append(time.perf_counter() - start)
    return times


def collect() -> list:
    from harness import Result, median

    from intake.documents import PacketRenderer
    from intake.engine import Engine
    from intake.lifecycle import Lifecycle
    from intake.records import Store

    results = []
    with tempfile.TemporaryDirectory() as folder:
        config = _clinic(Path(folder))
        engine = Engine.load(config)
        consulted = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        with Store.open(config, engine=engine) as store:
            life = Lifecycle(engine, store, PacketRenderer(engine), clock=lambda: consulted)
            courses = _courses(life, 12)
            visit_day = consulted + timedelta(weeks=5)
            sessions = _session_times(life, courses[2:], visit_day.date())
            imports = _import_times(life, 10)
        keys = _keys_at_prompts(engine, config, courses[0], visit_day)
        kiosk, walked, record = _kiosk(engine, date(1980, 1, 2), visit_day)  # courses[1]'s client
    results.append(Result("next session at prompts, nothing changed: keys", float(keys), f"<= {KEY_BUDGET}",
                          keys <= KEY_BUDGET, note="intake ask --visit: the staff PIN and Enter, then one key and "
                          "Enter for each of 6 answers", unit="count"))
    person = kiosk.keys * PERSON_SECONDS_PER_KEY
    results.append(Result("next session at the kiosk, nothing changed: keys", float(kiosk.besides_typing),
                          f"<= {KEY_BUDGET}", kiosk.besides_typing <= KEY_BUDGET, unit="count",
                          note=f"besides the {kiosk.typed} characters typed (name, date of birth, staff PIN); "
                          f"{kiosk.keys} keys in all, from 'I'm here for my next session' to the hand-back"))
    results.append(Result("next session at the kiosk: a person's time", person, "<= 120 s", person <= 120,
                          note=f"estimate: {kiosk.keys} keys x {PERSON_SECONDS_PER_KEY} s a key (a person reading "
                          f"and pressing); the Pilot walk itself took {walked:.1f} s wall on this machine"))
    results.append(Result("treatment record at the kiosk, plan unchanged: keys", float(record.besides_typing),
                          f"<= {RECORD_KEY_BUDGET}", record.besides_typing <= RECORD_KEY_BUDGET, unit="count",
                          note=f"depths prefilled from the plan; besides the {record.typed} characters typed "
                          f"(device, needles, lot, expiry, numbing, serum, skin, advice, PIN); {record.keys} in all"))
    results.append(Result("visit: start+re-screen+record+countersign", median(sessions), "report only", True,
                          "consultation import", median(imports),
                          note="four audited, synced acts on the SQLite store, each visit of a new course (its "
                          "sealed consent read once)"))
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(ROOT))
    from run import print_results

    print_results(collect())
