"""A returning client's next session at plain prompts (`intake ask --visit`): staff start it with their PIN, the
client answers the re-screen, and only what they chose is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.engine import Engine
from intake.lifecycle import Lifecycle
from intake.lifecycle.visits import CLIENT_WORDS, Visits
from intake.prompt.visit import AskVisit
from intake.records import Store
from tests.conftest import PRACTITIONER_PIN
from tests.course.test_rescreen import healed
from tests.documents.personas import baseline
from tests.prompt.conftest import copy_of_clinic
from tests.prompt.fake import FakePrompter
from tests.prompt.test_flow import script, session

#: Five weeks after the examples' consultation (20 November 2026): the plan's interval has passed.
VISIT_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def course(clinic_config, course_template, tmp_path):
    """The suitable example's client, through a whole consultation to a countersigned consent, treated that day
    (the test's clinic becomes a copy of the one clinic per test process that went through it)."""
    folder, intake_id = course_template
    copy_of_clinic(folder, tmp_path)
    return intake_id


@pytest.fixture(scope="session")
def course_template(private_clinic_template, tmp_path_factory) -> tuple[Path, str]:
    """A private clinic whose client went through a whole consultation at the prompts to a countersigned consent
    (documents rendered and sealed), treated that day: session 1 recorded and countersigned (its documents are not
    made here: tests/lifecycle/test_visit_documents.py makes them); once per test process, with that intake."""
    folder = tmp_path_factory.mktemp("course")
    config = copy_of_clinic(private_clinic_template, folder)
    engine = Engine.load(config)
    ask, store = session(engine, config, FakePrompter(script(engine, "suitable")), {})
    ask.run()
    with store:
        treated_on_consultation_day(Visits(Lifecycle(engine, store)), ask.intake_id)
    return folder, ask.intake_id


def treated_on_consultation_day(visits: Visits, course_id: str) -> None:
    """Session 1: the treatment given when the consultation was countersigned, at the plan's lowest depths."""
    from intake.lifecycle.auth import Authenticated

    state = visits.state(course_id)
    treatment = {"areas": {area: low for area, (low, _) in state.course.areas.items()}, "device": "Dr. Pen A6",
                 "needles": 12, "cartridge_lot": "LOT-2611-A", "cartridge_expiry": "2028-06-30", "numbing": "none",
                 "serum": "hyaluronic acid", "skin_response": "even redness", "adverse_events": "none",
                 "advice": "the aftercare sheet"}
    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "test-tablet")
    first = visits.record_first(course_id, who, treatment)
    visits.store.visits.countersign(first.visit_id, practitioner_id="ajordan", staff="ajordan", device="test-tablet")


def _visit(engine, config, answers):
    prompter = FakePrompter({"staff_pin": PRACTITIONER_PIN, **answers})
    store = Store.open(config, engine=engine)
    visits = Visits(Lifecycle(engine, store, clock=lambda: VISIT_DAY))
    return AskVisit(visits, prompter, "phone"), prompter, store


def test_nothing_changed_is_the_clients_answer_and_asks_nothing_again(clinic_engine, clinic_config, course):
    ask, prompter, store = _visit(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                 **healed()})
    with store:
        visit = ask.run(course)
        assert visit is not None and visit.status == "ready" and visit.number == 2
        assert visit.answers == {"changes_since_last": "nothing_changed", **healed()}
        assert "pregnant_or_breastfeeding" not in prompter.asked and prompter.asked[0] == "staff_pin"
        assert CLIENT_WORDS["ready"] in prompter.said
        assert [e.staff for e in store.audit_trail(course) if e.event == "visit"
                and e.data["visit_id"] == visit.visit_id] == ["ajordan", "ajordan"]


def test_a_pregnancy_since_defers_and_the_client_is_told_kindly(clinic_engine, clinic_config, course):
    changed = {**baseline(clinic_engine), "pregnant_or_breastfeeding": True}
    asked_again = set(clinic_engine.rescreen.asked_again)
    ask, prompter, store = _visit(clinic_engine, clinic_config, {
        "changes_since_last": "something_changed", **healed(),
        **{k: v for k, v in changed.items() if k in asked_again}})
    with store:
        visit = ask.run(course)
        assert visit is not None and visit.status == "deferred"
        assert "pregnant_or_breastfeeding" in prompter.asked
        assert CLIENT_WORDS["deferred"] in prompter.said


def test_an_interrupted_visit_carries_on_and_a_wrong_pin_starts_nothing(clinic_engine, clinic_config, course):
    ask, prompter, store = _visit(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed"})
    with store, pytest.raises(Exception, match="unexpected prompt"):  # the client walked away mid-way
        ask.run(course)
    first = ask.visit
    ask, prompter, store = _visit(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                 **healed()})
    with store:
        assert ask.run(course).visit_id == first.visit_id
    wrong = FakePrompter({"staff_pin": ["000000", "000001", "000002"]})
    with Store.open(clinic_config, engine=clinic_engine) as store:
        visits = Visits(Lifecycle(clinic_engine, store, clock=lambda: VISIT_DAY))
        head = len(store.visits.of_client(visits.state(course).client_id))
        assert AskVisit(visits, wrong, "phone").run(course) is None
        assert len(store.visits.of_client(visits.state(course).client_id)) == head


@pytest.mark.parametrize("pin", [PRACTITIONER_PIN, "000000"])
def test_the_outcome_is_shown_only_to_staff_after_the_client_has_handed_back(clinic_engine, clinic_config, course,
                                                                           pin):
    changed = {**baseline(clinic_engine), "pregnant_or_breastfeeding": True}
    asked_again = set(clinic_engine.rescreen.asked_again)
    ask, prompter, store = _visit(clinic_engine, clinic_config, {
        "changes_since_last": "something_changed", **healed(),
        **{k: v for k, v in changed.items() if k in asked_again}, "staff_handback": pin})
    with store:
        visit = ask.run(course)
        assert visit is not None and visit.status == "deferred"
        client_saw = list(prompter.said)
        assert not any("deferred" in line or "Staff: visit" in line for line in client_saw)
        shown = ask.hand_back(visit)
        after = prompter.said[len(client_saw):]
    staff_lines = [line for line in after if line.startswith("Staff: visit")]
    if pin == PRACTITIONER_PIN:
        assert shown and len(staff_lines) == 1 and f"visit {visit.visit_id} is deferred" in staff_lines[0]
    else:
        assert not shown and not staff_lines and not any("deferred" in line for line in after)
        assert f"intake records visit show {visit.visit_id}" in after[-1]


def test_a_visit_waiting_for_its_treatment_record_is_named_not_started_again(clinic_engine, clinic_config, course):
    """The client's last visit was re-screened ready but its treatment is not recorded: staff are told which visit
    (its date in the clinic's order); nothing is asked of the client and nothing is written."""
    ask, prompter, store = _visit(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                 **healed()})
    with store:
        ready = ask.run(course)
        assert ready is not None and ready.status == "ready"
    again = FakePrompter({"staff_pin": PRACTITIONER_PIN})  # no client answers: any question would fail the test
    with Store.open(clinic_config, engine=clinic_engine) as store:
        visits = Visits(Lifecycle(clinic_engine, store, clock=lambda: VISIT_DAY))
        assert AskVisit(visits, again, "phone").run(course) is None
        assert [v.visit_id for v in store.visits.of_client(ready.client_id) if v.number > 1] == [ready.visit_id]
    told = " ".join(again.said)
    # the date in the clinic's order, as staff read dates everywhere; what finishes it is offered next
    # (tests/prompt/test_treatment.py)
    assert f"visit {ready.visit_id}, 25/12/2026) was re-screened and is ready for its treatment record" in told
