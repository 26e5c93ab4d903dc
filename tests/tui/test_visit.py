"""A returning client's next session on the kiosk (issue 22): the welcome's "I'm here for my next session", name and
date of birth, a member of staff starting it behind their PIN, the re-screen on the consultation's own step screens
(the explicit "Nothing has changed since <date>"), the kind stop, the client's words and the hand-back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from textual.widgets import Button, Checkbox, Input, Select, Static

from intake.lifecycle import Lifecycle
from intake.lifecycle.visits import CLIENT_WORDS, DocumentsToMake, Visits, first_session
from intake.records import Store
from intake.tui.clock import FrozenClock
from intake.tui.screens.handback import PinScreen
from intake.tui.screens.kindstop import KindStopScreen
from intake.tui.screens.staff import StaffMenuScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.treatment import TreatmentScreen
from intake.tui.screens.visit import (
    ASK_STAFF,
    AskStaffScreen,
    ChooseClientScreen,
    ClientWordsScreen,
    NextSessionScreen,
    VisitOutcomeScreen,
    VisitStartScreen,
)
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.visit import VisitAnswers
from intake.tui.widgets.questions import QuestionField
from tests.conftest import FRONT_DESK_PIN, PRACTITIONER_PIN
from tests.course.test_rescreen import healed
from tests.prompt.conftest import (  # noqa: F401 - fixtures: a clinic in tmp_path
    clinic_config,
    clinic_engine,
    private_clinic_template,
)
from tests.prompt.test_visit import (  # noqa: F401 - fixtures: a client's countersigned consultation
    course,
    course_template,
)
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import enter_pin, press, until, wait_for
from tests.tui.test_flow import verified

#: Five weeks after the examples' consultation (20 November 2026): the plan's interval has passed.
VISIT_DAY = FrozenClock(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
#: Eleven days after it: too soon for the next session.
TOO_SOON = FrozenClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
NAME, BIRTH = "Maria Okonkwo-Smith", "14/03/1988"


class Keys:
    """A person at the keyboard: every key counted, the characters typed (name, date of birth, PIN) apart."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.keys = self.typed = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.keys += 1
            await self.pilot.press(key)
            await self.pilot.pause()

    async def type(self, text: str) -> None:
        for char in text:
            self.keys += 1
            self.typed += 1
            await self.pilot.press("space" if char == " " else char)
        await self.pilot.pause()

    @property
    def besides_typing(self) -> int:
        return self.keys - self.typed


def _visits(config, engine, clock=VISIT_DAY) -> tuple[Visits, Store]:
    store = Store.open(config, engine=engine)
    return Visits(Lifecycle(engine, store, clock=clock.now)), store


async def answer_by_keys(keys: Keys, answers: dict) -> None:
    """Answers the current step's questions with the key shown on each chosen option (Enter where the focus stays
    on the question), then Enter on Next."""
    screen = await wait_for(keys.pilot, StepScreen)
    for question_id, value in answers.items():
        field = screen.query_one(f"#q-{question_id}", QuestionField)
        index = [v for _, v in field.options()].index(value)
        await keys.press(str(field.keys[index]).lower())
        if keys.pilot.app.focused is not None and field in keys.pilot.app.focused.ancestors_with_self:
            await keys.press("enter")
    assert keys.pilot.app.focused is screen.query_one("#next", Button)
    await keys.press("enter")


async def _welcome(pilot) -> WelcomeScreen:
    await pilot.app.wait_ready()
    return await wait_for(pilot, WelcomeScreen)


async def next_session_by_keys(pilot, name: str = NAME, birth: str = BIRTH, pin: str = PRACTITIONER_PIN) -> Keys:
    """A returning client with nothing changed, by keys, from the welcome screen's "I'm here for my next session" to
    the client's last words (the hand-back): name and date of birth, staff start it with their PIN, the re-screen.
    Returns every key pressed (bench/bench_visits.py counts the same walk)."""
    await _welcome(pilot)
    keys = Keys(pilot)
    await keys.press("tab", "enter")  # to "I'm here for my next session", and choose it
    await wait_for(pilot, NextSessionScreen)
    await keys.type(name)
    await keys.press("enter")
    await keys.type(birth)
    await keys.press("enter")
    ask = await wait_for(pilot, AskStaffScreen)
    assert ASK_STAFF["message"] in str(ask.query_one(".big-message").render())
    await keys.press("enter")  # Staff: continue
    await wait_for(pilot, PinScreen)
    await keys.type(pin)
    await keys.press("enter")
    start = await wait_for(pilot, VisitStartScreen)
    assert name in str(start.query_one(".screen-title").render())
    await keys.press("enter")  # Start the session and hand over
    first = await wait_for(pilot, StepScreen)
    assert not first.working  # nothing chosen for the client
    await keys.press("enter")  # Enter on nothing chosen records nothing: it says what is needed
    assert pilot.app.screen is first and first.working.get("changes_since_last") is None
    await answer_by_keys(keys, {"changes_since_last": "nothing_changed"})
    await answer_by_keys(keys, healed())
    words = await wait_for(pilot, ClientWordsScreen)
    said = str(words.query_one(".big-message").render())
    assert CLIENT_WORDS["ready"] in said and "Staff:" not in said
    return keys


async def test_nothing_changed_by_keys_is_ready_and_counts_its_keys(clinic_engine, clinic_config, course):  # noqa: F811
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        keys = await next_session_by_keys(pilot)
        print("keys", keys.keys, "typed", keys.typed, "besides typing", keys.besides_typing)
        assert keys.besides_typing <= 30, keys.besides_typing
        await keys.press("enter")
        await enter_pin(pilot, PRACTITIONER_PIN)
        outcome = await wait_for(pilot, VisitOutcomeScreen)
        assert "Ready" in str(outcome.query_one("#verdict").render())
    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        kept = store.visits.of_client(visits.state(course).client_id)
        assert [(v.number, v.status) for v in kept] == [(1, "signed"), (2, "ready")]  # session 1: the course fixture's
        assert kept[1].answers == {"changes_since_last": "nothing_changed", **healed()}
        assert {e.staff for e in store.audit_trail(course) if e.event == "visit"} == {"ajordan"}


async def _to_the_start(pilot, name: str = NAME, birth: str = BIRTH, pin: str = PRACTITIONER_PIN) -> VisitStartScreen:
    """From the welcome screen: next session, name and date of birth, and staff behind their PIN."""
    await _welcome(pilot)
    await press(pilot, "#next-session")
    screen = await wait_for(pilot, NextSessionScreen)
    screen.query_one("#visit-name", Input).value = name
    screen.query_one("#visit-birth", Input).value = birth
    await press(pilot, "#continue")
    await wait_for(pilot, AskStaffScreen)
    await press(pilot, "#staff")
    await enter_pin(pilot, pin)
    return await wait_for(pilot, VisitStartScreen)


async def _to_the_rescreen(pilot, name: str = NAME, birth: str = BIRTH, pin: str = PRACTITIONER_PIN) -> StepScreen:
    """From the welcome screen: next session, name and date of birth, staff start it with their PIN."""
    await _to_the_start(pilot, name, birth, pin)
    await press(pilot, "#start")
    return await wait_for(pilot, StepScreen)


async def _outcome(pilot, words_screen: type = ClientWordsScreen,
                   pin: str = PRACTITIONER_PIN) -> tuple[str, VisitOutcomeScreen]:
    """The client's last screen (its words), the hand-back, and what staff see behind their PIN."""
    words = await wait_for(pilot, words_screen)
    said = str(words.query_one(".big-message").render())
    await press(pilot, "#staff")
    await enter_pin(pilot, pin)
    return said, await wait_for(pilot, VisitOutcomeScreen)


def _kept(config, engine, course_id: str) -> list:
    """The client's visits since session 1 (given on the consultation's day: the course fixture's)."""
    visits, store = _visits(config, engine)
    with store:
        return [v for v in store.visits.of_client(visits.state(course_id).client_id) if not first_session(v)]


async def test_a_pregnancy_since_stops_kindly_and_asks_nothing_after(clinic_engine, clinic_config, course):  # noqa: F811
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _to_the_rescreen(pilot)
        keys = Keys(pilot)
        await answer_by_keys(keys, {"changes_since_last": "something_changed"})
        step = await wait_for(pilot, StepScreen)
        assert step.step.id == "health_now"
        await answer_by_keys(keys, {"pregnant_or_breastfeeding": True})  # the step closes: Next is the way on
        said, outcome = await _outcome(pilot, KindStopScreen)
        assert "practitioner would like to talk" in said and "pregnan" not in said.lower()
        assert "Deferred" in str(outcome.query_one("#verdict").render())
        reasons = " ".join(str(s.render()) for s in outcome.query(".finding"))
        assert "Reason:" in reasons
        assert pilot.app.focused is outcome.query_one("#letter")  # staff are offered the client's letter
        await press(pilot, "#letter")
        await wait_for(pilot, WelcomeScreen)
        told = " ".join(str(n.message) for n in app._notifications)
    kept = _kept(clinic_config, clinic_engine, course)
    assert [(v.number, v.status) for v in kept] == [(2, "deferred")]
    assert kept[0].answers == {"changes_since_last": "something_changed", "pregnant_or_breastfeeding": True}
    assert not any(k.startswith("healing_") for k in kept[0].answers)  # nothing asked after the stop
    (letter,) = (app.session.lifecycle.out_dir / kept[0].course_id).glob(f"{kept[0].visit_id}_visit_deferral_*.pdf")
    assert f"The letter for the client is sealed and saved in {letter.parent}" in told
    assert (await verified(letter, clinic_engine)).ok


async def test_too_soon_is_a_waiting_period_with_its_date(clinic_engine, clinic_config, course):  # noqa: F811
    app = build_app(clinic_engine, clock=TOO_SOON, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _to_the_rescreen(pilot)
        keys = Keys(pilot)
        await answer_by_keys(keys, {"changes_since_last": "nothing_changed"})
        await answer_by_keys(keys, healed())
        said, outcome = await _outcome(pilot)
        assert said.startswith(CLIENT_WORDS["waiting"].split(":")[0]) and "Not before" not in said
        lines = " ".join(str(s.render()) for s in outcome.query(".finding"))
        assert "Waiting" in str(outcome.query_one("#verdict").render()) and "Not before 2026-12-" in lines
    assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["waiting"]


async def test_an_expired_consent_needs_a_new_one(clinic_engine, clinic_config, course):  # noqa: F811
    app = build_app(clinic_engine, clock=FrozenClock(datetime(2028, 1, 5, 10, 0, tzinfo=UTC)), store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _to_the_rescreen(pilot)
        keys = Keys(pilot)
        await answer_by_keys(keys, {"changes_since_last": "nothing_changed"})
        await answer_by_keys(keys, healed())
        said, outcome = await _outcome(pilot)
        assert CLIENT_WORDS["needs_consent"] in said and "12 months" not in said
        assert "new consent" in str(outcome.query_one("#verdict").render())
        assert "12 months" in " ".join(str(s.render()) for s in outcome.query(".finding"))
    assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["needs_consent"]


@pytest.mark.parametrize("name", ["Nobody Here", "Maria Okonkwo"])  # nobody; a name's beginning alone
async def test_no_single_match_reveals_nothing_and_starts_nothing(clinic_engine, clinic_config, course, name):  # noqa: F811
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _welcome(pilot)
        await press(pilot, "#next-session")
        screen = await wait_for(pilot, NextSessionScreen)
        screen.query_one("#visit-name", Input).value = name
        screen.query_one("#visit-birth", Input).value = BIRTH
        await press(pilot, "#continue")
        ask = await wait_for(pilot, AskStaffScreen)  # the same words as when one course matches
        said = str(ask.query_one(".big-message").render())
        assert ASK_STAFF["message"] in said and "Maria Okonkwo-Smith" not in said
        await press(pilot, "#staff")
        await enter_pin(pilot, PRACTITIONER_PIN)
        start = await wait_for(pilot, VisitStartScreen)  # staff, behind the PIN, are told
        assert start.starting is None and not start.query("#start")
        await press(pilot, "#welcome")
        await wait_for(pilot, WelcomeScreen)
    assert _kept(clinic_config, clinic_engine, course) == []


def test_two_clients_of_the_same_name_and_birth_find_no_course():
    """Two clients with one name and date of birth (one asked to be erased, then came back): no course is chosen."""
    from types import SimpleNamespace

    from intake.records.model import ListRow, SearchResult
    from intake.tui.visit import find_course, matching_clients

    rows = [ListRow(f"i-{n}", "signed", "2026-11-20", "", f"c-{n}", "Maria Okonkwo-Smith", "1988-03-14")
            for n in (1, 2)] + [ListRow("i-3", "signed", "2026-11-20", "", "c-3", "Maria Okonkwo-Smithson",
                                        "1988-03-14")]
    store = SimpleNamespace(search=lambda text, limit: SearchResult(rows))
    assert matching_clients(store, "maria  okonkwo-smith", "1988-03-14") == ["c-1", "c-2"]
    assert matching_clients(store, "Maria Okonkwo-Smithson", "1988-03-14") == ["c-3"]
    assert find_course(SimpleNamespace(store=store), "Maria Okonkwo-Smith", "1988-03-14") is None


async def test_staff_start_a_clients_next_session_from_the_staff_menu(clinic_engine, clinic_config, course):  # noqa: F811
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _welcome(pilot)
        await press(pilot, "#staff")
        await enter_pin(pilot, FRONT_DESK_PIN)
        await wait_for(pilot, StaffMenuScreen)
        await press(pilot, "#visit")
        choose = await wait_for(pilot, ChooseClientScreen)
        choose.query_one("#choose-name", Input).value = NAME
        choose.query_one("#choose-birth", Input).value = BIRTH
        await press(pilot, "#look-up")
        start = await wait_for(pilot, VisitStartScreen)
        assert start.starting is not None and start.starting.number == 2
        await press(pilot, "#start")
        first = await wait_for(pilot, StepScreen)
        assert isinstance(first.session, VisitAnswers)
    kept = _kept(clinic_config, clinic_engine, course)
    assert [(v.status, v.started_by) for v in kept] == [("open", "frontdesk")]


def test_a_stopped_rescreen_deferring_nothing_is_refused(clinic_engine, clinic_config, course):  # noqa: F811
    """Nothing is written when the answers given up to a stop defer nothing, or one of them is wrong."""
    from intake.errors import InvalidRecordError
    from intake.lifecycle import Actor

    visits, store = _visits(clinic_config, clinic_engine)
    desk = Actor("frontdesk", "test")
    with store:
        visit = visits.begin(course, desk)
        with pytest.raises(InvalidRecordError) as refused:
            visits.rescreen_stopped(visit.visit_id, {"changes_since_last": "something_changed",
                                                     "pregnant_or_breastfeeding": False}, desk)
        assert "answers every question" in refused.value.problems[0].message
        with pytest.raises(InvalidRecordError):  # a wrong answer among those given
            visits.rescreen_stopped(visit.visit_id, {"changes_since_last": "maybe",
                                                     "pregnant_or_breastfeeding": True}, desk)
        assert store.visits.load(visit.visit_id).status == "open"
        kept = visits.rescreen_stopped(visit.visit_id, {"changes_since_last": "something_changed",
                                                        "pregnant_or_breastfeeding": True}, desk)
        assert kept.status == "deferred" and kept.outcome["reasons"]


async def _ready_visit_to_its_record(pilot) -> TreatmentScreen:
    """Nothing changed, handed back, and the practitioner goes on to the treatment record."""
    await _to_the_rescreen(pilot)
    keys = Keys(pilot)
    await answer_by_keys(keys, {"changes_since_last": "nothing_changed"})
    await answer_by_keys(keys, healed())
    _, outcome = await _outcome(pilot)
    assert pilot.app.focused is outcome.query_one("#treatment")
    await press(pilot, "#treatment")
    return await wait_for(pilot, TreatmentScreen)


def _problem(screen: TreatmentScreen, key: str) -> str:
    return str(screen.query_one(f"#p-{key}", Static).render())


async def test_the_treatment_record_refuses_then_keeps(clinic_engine, clinic_config, course):  # noqa: F811
    """A depth above the plan, an expired cartridge, no adverse events given: refused next to each; then kept and
    countersigned with the practitioner's PIN."""
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        screen = await _ready_visit_to_its_record(pilot)
        assert "Consultation · 20/11/2026 · plan:" in " ".join(screen.shown.earlier)
        assert "Session 1 · 20/11/2026 · " in " ".join(screen.shown.earlier)  # given that day
        area = next(iter(screen.shown.depths))
        high = float(screen.shown.ranges[area].split("–")[1].split(" ")[0])
        typed = {"device": "Dermapen 4", "needles": "16", "cartridge_lot": "LOT2026A", "cartridge_expiry": "01/12/2026",
                 "numbing": "none", "serum": "hyaluronic acid", "skin_response": "even redness",
                 "advice": "SPF 50 daily"}
        screen.query_one(f"#depth-{area}", Input).value = f"{high + 0.5:g}"
        for key, value in {**typed, "cartridge_expiry": "31/02/2028"}.items():
            screen.query_one(f"#{key}", Input).value = value
        await press(pilot, "#keep")  # a date that does not exist: said in the clinic's order, nothing else checked
        assert "“31/02/2028” is not a real date (that month has no day 31). Type it as DD/MM/YYYY" in \
            _problem(screen, "cartridge_expiry")
        assert "YYYY-MM-DD" not in _problem(screen, "cartridge_expiry") and not _problem(screen, f"depth-{area}")
        assert app.focused is screen.query_one("#cartridge_expiry", Input)
        screen.query_one("#cartridge_expiry", Input).value = typed["cartridge_expiry"]
        await press(pilot, "#keep")
        assert "deeper than the consented" in _problem(screen, f"depth-{area}")
        assert "expired on 01/12/2026" in _problem(screen, "cartridge_expiry")
        assert "adverse events" in _problem(screen, "adverse_events")  # "none" is a choice, never assumed
        assert app.screen is screen
        assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["ready"]  # nothing kept
        screen.query_one(f"#depth-{area}", Input).value = f"{screen.shown.depths[area]:g}"
        screen.query_one("#cartridge_expiry", Input).value = "01/06/2028"
        screen.query_one("#adverse-none", Checkbox).value = True
        await pilot.pause()
        await press(pilot, "#keep")
        await enter_pin(pilot, PRACTITIONER_PIN)
        await wait_for(pilot, WelcomeScreen)
        told = " ".join(str(n.message) for n in app._notifications)
    kept = _kept(clinic_config, clinic_engine, course)
    assert [(v.status, v.practitioner_id, v.countersigned_by) for v in kept] == [("signed", "ajordan", "ajordan")]
    assert kept[0].treatment["adverse_events"] == "none" and kept[0].treatment["cartridge_lot"] == "LOT2026A"
    folder = app.session.lifecycle.out_dir / kept[0].course_id
    made = sorted(p.name.split("_20")[0] for p in folder.glob(f"{kept[0].visit_id}_*.pdf"))
    assert made == [f"{kept[0].visit_id}_session_aftercare", f"{kept[0].visit_id}_session_record"]
    assert f"Its sealed record and aftercare sheet are in {folder}" in told  # staff are told where


async def treatment_record_by_keys(pilot, screen: TreatmentScreen, pin: str = PRACTITIONER_PIN) -> Keys:
    """The practitioner's record of a session with the plan unchanged (depths prefilled), by keys, to the
    countersignature with their PIN and the welcome screen. Returns every key pressed (bench/bench_visits.py
    counts the same record)."""
    app = pilot.app
    keys = Keys(pilot)
    for _ in screen.shown.depths:  # prefilled from the plan
        await keys.press("enter")
    for text in ("Dermapen 4", "16", "LOT2026A", "01/06/2028", "none", "none", "even redness"):
        await keys.type(text)
        await keys.press("enter")
    assert app.focused is screen.query_one("#adverse-none", Checkbox)
    await keys.press("enter")  # Enter never ticks "None": it goes on
    assert not screen.query_one("#adverse-none", Checkbox).value
    await keys.press("shift+tab", "space", "enter")  # no adverse events, explicitly; its box is closed
    await keys.type("SPF 50 daily")
    await keys.press("enter", "enter")  # the next session's date, prefilled; then the record is kept
    await wait_for(pilot, PinScreen)
    await keys.type(pin)
    await keys.press("enter")
    await wait_for(pilot, WelcomeScreen)
    return keys


async def test_the_treatment_record_by_keys(clinic_engine, clinic_config, course):  # noqa: F811
    """The plan unchanged (depths prefilled): at most 20 keys besides the characters typed, the PIN included."""
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        keys = await treatment_record_by_keys(pilot, await _ready_visit_to_its_record(pilot))
        print("treatment record: keys", keys.keys, "typed", keys.typed, "besides typing", keys.besides_typing)
        assert keys.besides_typing <= 20, keys.besides_typing
    assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["signed"]


def test_session_three_is_prefilled_from_session_two(clinic_engine, clinic_config, course):  # noqa: F811
    """The last session's depths (not the plan's lowest), device, needles, numbing, serum and advice are filled in;
    the cartridge, the skin's response and the adverse events are not; session 2 is listed with how the skin
    reacted."""
    from intake.lifecycle.auth import Authenticated
    from intake.lifecycle.treatment_form import context

    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "test")
    nothing = {"changes_since_last": "nothing_changed", **healed()}
    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        second = visits.begin(course, who.actor)
        visits.rescreen(second.visit_id, nothing, who.actor)
        areas = {area: high for area, (_, high) in visits.state(second.course_id).course.areas.items()}
        visits.record(second.visit_id, who, {
            "areas": areas, "device": "Dermapen 4", "needles": 16, "cartridge_lot": "LOT2026A",
            "cartridge_expiry": "2028-06-01", "numbing": "none", "serum": "hyaluronic acid",
            "skin_response": "even redness", "adverse_events": "none", "advice": "SPF 50 daily"})
        visits.countersign(second.visit_id, who)
    later, store = _visits(clinic_config, clinic_engine, FrozenClock(datetime(2027, 2, 1, 10, 0, tzinfo=UTC)))
    with store:
        third = later.begin(course, who.actor)
        third = later.rescreen(third.visit_id, nothing, who.actor)
        shown = context(later, third, "Maria Okonkwo-Smith")
    assert dict(shown.depths) == areas and shown.heading.endswith("session 3 · 01/02/2027")
    assert {k: shown.prefill.get(k) for k in ("device", "needles", "serum", "advice", "cartridge_lot",
                                              "skin_response")} == {
        "device": "Dermapen 4", "needles": "16", "serum": "hyaluronic acid", "advice": "SPF 50 daily",
        "cartridge_lot": None, "skin_response": None}
    assert "skin: even redness" in shown.earlier[2] and shown.earlier[2].startswith("Session 2 · 25/12/2026")


async def test_a_record_countersigned_later(clinic_engine, clinic_config, course, monkeypatch):  # noqa: F811
    """A record kept but not countersigned (PIN cancelled) is countersigned later from the staff menu; its
    documents are made in a worker thread, so the kiosk's screen stays live while they are sealed."""
    made_in: list[str] = []
    make = DocumentsToMake.make

    def watched(job):
        made_in.append(threading.current_thread().name)
        return make(job)

    monkeypatch.setattr(DocumentsToMake, "make", watched)
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        screen = await _ready_visit_to_its_record(pilot)
        for key, value in {"device": "Dermapen 4", "needles": "16", "cartridge_lot": "LOT2026A",
                           "cartridge_expiry": "01/06/2028", "numbing": "none", "serum": "none",
                           "skin_response": "even redness", "advice": "SPF 50 daily"}.items():
            screen.query_one(f"#{key}", Input).value = value
        screen.query_one("#adverse-none", Checkbox).value = True
        await pilot.pause()
        await press(pilot, "#keep")
        await wait_for(pilot, PinScreen)
        await press(pilot, "#cancel")  # the practitioner countersigns later
        await wait_for(pilot, WelcomeScreen)
        assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["recorded"]
        await press(pilot, "#staff")
        await enter_pin(pilot, PRACTITIONER_PIN)
        await wait_for(pilot, StaffMenuScreen)
        await press(pilot, "#treatment")
        choose = await wait_for(pilot, ChooseClientScreen)
        choose.query_one("#choose-id", Input).value = course
        await press(pilot, "#look-up")
        await enter_pin(pilot, PRACTITIONER_PIN)  # straight to the countersignature: the record is kept already
        await wait_for(pilot, WelcomeScreen)
    assert [v.status for v in _kept(clinic_config, clinic_engine, course)] == ["signed"]
    assert len(made_in) == 1 and made_in[0] != threading.main_thread().name


async def test_an_interrupted_visit_carries_on(clinic_engine, clinic_config, course):  # noqa: F811
    """A visit started but not answered (the client walked away) is carried on, not started twice."""
    from intake.lifecycle import Actor

    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        started = visits.begin(course, Actor("frontdesk", "test"))
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _welcome(pilot)
        await press(pilot, "#next-session")
        screen = await wait_for(pilot, NextSessionScreen)
        screen.query_one("#visit-name", Input).value = NAME.upper()  # the same client, however it is typed
        screen.query_one("#visit-birth", Input).value = BIRTH
        await press(pilot, "#continue")
        await wait_for(pilot, AskStaffScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot, PRACTITIONER_PIN)
        start = await wait_for(pilot, VisitStartScreen)
        assert start.starting is not None and start.starting.continuing and start.starting.number == 2
        assert "continues (started earlier)" in str(start.query_one(".screen-intro").render())
        await press(pilot, "#start")
        first = await wait_for(pilot, StepScreen)
        assert first.session.visit.visit_id == started.visit_id
    assert [v.visit_id for v in _kept(clinic_config, clinic_engine, course)] == [started.visit_id]


def _demo_course(tmp_path) -> str:
    """The demo clinic (shared PIN, no staff accounts) with the suitable example consented on 20 November 2026,
    through the command line as a clinic would (run in this process, in `tmp_path`: a child process for each
    command imported everything again)."""
    import contextlib
    import io
    import json
    import sys

    from intake.cli import main
    from tests.conftest import load_example

    record = load_example("suitable")
    record.pop("record_id", None)
    (tmp_path / "answers.json").write_text(json.dumps(record), encoding="utf-8")

    def intake(*args: str, pin: bool = False) -> str:
        out, err, stdin = io.StringIO(), io.StringIO(), sys.stdin
        sys.stdin = io.StringIO("2468\n" if pin else "")
        try:
            with contextlib.chdir(tmp_path), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main([*args, *(["--pin-stdin"] if pin else [])])
        finally:
            sys.stdin = stdin
        assert code == 0, err.getvalue()
        return out.getvalue()

    intake_id = intake("records", "import", "answers.json").split("as intake ")[1].split()[0]
    intake("records", "sign", intake_id, "--typed-name", NAME, "--photo-same-signature",
           "--signed-at", "2026-11-20T10:00:00+00:00")
    intake("records", "countersign", intake_id, "--practitioner", "ajordan", "--signed-at",
           "2026-11-20T10:30:00+00:00", pin=True)
    return intake_id


async def test_with_the_shared_pin_staff_say_who_treats_and_it_is_theirs(engine, tmp_path):
    """The demo clinic's shared PIN proves that someone on the staff acted, not who: the treatment record asks who is
    treating (nothing kept until chosen), and the countersignature, named on the PIN screen, is that
    practitioner's."""
    from intake.tui.screens.handback import PinScreen

    course_id = _demo_course(tmp_path)
    app = build_app(engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await _to_the_rescreen(pilot, pin="2468")
        keys = Keys(pilot)
        await answer_by_keys(keys, {"changes_since_last": "nothing_changed"})
        # session 1 (no treatment on the consultation day): nothing to ask about how the skin healed
        _, outcome = await _outcome(pilot, pin="2468")
        await press(pilot, "#treatment")
        screen = await wait_for(pilot, TreatmentScreen)
        assert app.focused is screen.query_one("#practitioner", Select)  # the first part of the record, at the top
        typed = {"device": "Dermapen 4", "needles": "16", "cartridge_lot": "LOT2026A", "cartridge_expiry": "01/06/2028",
                 "numbing": "none", "serum": "none", "skin_response": "even redness", "advice": "SPF 50 daily"}
        for key, value in typed.items():
            screen.query_one(f"#{key}", Input).value = value
        screen.query_one("#adverse-none", Checkbox).value = True
        chooser = screen.query_one("#practitioner", Select)
        chooser.value = Select.NULL  # (the demo has one practitioner, so it comes chosen: staff can still clear it)
        await pilot.pause()
        await press(pilot, "#keep")
        assert "Choose the practitioner who is treating" in _problem(screen, "practitioner")
        assert app.screen is screen
        chooser.value = "ajordan"
        await pilot.pause()
        await press(pilot, "#keep")
        pin = await wait_for(pilot, PinScreen)
        assert "Alex Jordan: countersign the session" in " ".join(str(s.render()) for s in pin.query(Static))
        await enter_pin(pilot, "2468")
        await wait_for(pilot, WelcomeScreen)
    store = Store.open(engine.config, engine=engine)
    with store:
        visits = Visits(Lifecycle(engine, store, clock=VISIT_DAY.now))
        kept = [v for v in store.visits.of_client(visits.state(course_id).client_id) if not first_session(v)]
    assert [(v.status, v.practitioner_id, v.countersigned_by) for v in kept] == [("signed", "ajordan", "ajordan")]


@pytest.fixture
def untreated(clinic_engine, clinic_config):  # noqa: F811
    """The suitable example's client through a whole consultation to a countersigned consent, with no treatment
    recorded for that day."""
    from tests.prompt.fake import FakePrompter
    from tests.prompt.test_flow import script, session

    ask, store = session(clinic_engine, clinic_config, FakePrompter(script(clinic_engine, "suitable")), {})
    ask.run()
    store.close()
    return ask.intake_id


async def test_the_consultation_days_treatment_from_the_staff_menu_is_session_1(
        clinic_engine, clinic_config, untreated):  # noqa: F811
    """A course with no visit: "Record a client's session" asks whether the client was treated on the consultation's
    day; the treatment record is the visits' own screen (session 1, depths prefilled from the plan, an expired
    cartridge refused under its field with nothing kept), kept for the practitioner's countersignature."""
    from intake.tui.screens.visit import FirstSessionScreen

    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await _welcome(pilot)
        await press(pilot, "#staff")
        await enter_pin(pilot, PRACTITIONER_PIN)
        await wait_for(pilot, StaffMenuScreen)
        await press(pilot, "#treatment")
        choose = await wait_for(pilot, ChooseClientScreen)
        choose.query_one("#choose-id", Input).value = untreated
        await press(pilot, "#look-up")
        asked = await wait_for(pilot, FirstSessionScreen)
        assert "next visit will be session 1" in " ".join(str(s.render()) for s in asked.query(Static))
        seen = []  # Tab goes between the two buttons: the short text above them is no (invisible) stop
        for _ in range(3):
            await pilot.press("tab")
            await until(pilot, lambda: app.focused is not None and app.focused.id != (seen or ["treatment"])[-1],
                        "Tab moved the focus")
            assert app.focused is not None
            seen.append(app.focused.id)
        assert seen == ["not-treated", "treatment", "not-treated"]
        await press(pilot, "#treatment")
        screen = await wait_for(pilot, TreatmentScreen)
        visits, store = _visits(clinic_config, clinic_engine)
        with store:
            plan = visits.state(untreated).course.areas
        assert screen.shown.heading.endswith("session 1 · 20/11/2026")
        assert dict(screen.shown.depths) == {area: low for area, (low, _) in plan.items()}
        for key, value in {"device": "Dermapen 4", "needles": "16", "cartridge_lot": "LOT2026A",
                           "cartridge_expiry": "01/11/2026", "numbing": "none", "serum": "none",
                           "skin_response": "even redness", "advice": "SPF 50 daily"}.items():
            screen.query_one(f"#{key}", Input).value = value
        screen.query_one("#adverse-none", Checkbox).value = True
        await pilot.pause()
        await press(pilot, "#keep")
        assert "expired on 01/11/2026" in _problem(screen, "cartridge_expiry") and app.screen is screen
        assert _kept(clinic_config, clinic_engine, untreated) == []  # nothing kept
        screen.query_one("#cartridge_expiry", Input).value = "01/06/2028"
        await press(pilot, "#keep")
        await wait_for(pilot, PinScreen)
        await press(pilot, "#cancel")  # countersigned later (the walk in tests/course countersigns at once)
        await wait_for(pilot, WelcomeScreen)
    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        kept = store.visits.of_client(visits.state(untreated).client_id)
    assert [(v.number, v.visit_date, v.status, v.answers, first_session(v)) for v in kept] == [
        (1, "2026-11-20", "recorded", None, True)]


#: What the start screen offers for the client's unfinished visit (by its status), and the screen it leads to.
UNFINISHED = {"ready": ("#treatment", "ready for its treatment record", TreatmentScreen),
              "recorded": ("#countersign", "waits for the practitioner's countersignature", PinScreen)}


@pytest.mark.parametrize("status", sorted(UNFINISHED))
async def test_an_unfinished_visit_is_finished_first_not_started_again(clinic_engine, clinic_config, course,  # noqa: F811
                                                                      status):
    """The client's last visit was re-screened (and perhaps recorded) but not finished: the start screen says so and
    leads to what it needs, instead of promising a session that the store must refuse."""
    from intake.lifecycle.auth import Authenticated

    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "test")
    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        visit = visits.begin(course, who.actor)
        visit = visits.rescreen(visit.visit_id, {"changes_since_last": "nothing_changed", **healed()}, who.actor)
        if status == "recorded":
            areas = {area: high for area, (_, high) in visits.state(visit.course_id).course.areas.items()}
            visit = visits.record(visit.visit_id, who, {
                "areas": areas, "device": "Dermapen 4", "needles": 16, "cartridge_lot": "LOT2026A",
                "cartridge_expiry": "2028-06-01", "numbing": "none", "serum": "none", "skin_response": "even redness",
                "adverse_events": "none", "advice": "SPF 50 daily"})
    assert visit.status == status
    button, said, leads_to = UNFINISHED[status]
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        start = await _to_the_start(pilot)
        intro = str(start.query_one(".screen-intro").render())
        assert said in intro and visit.visit_id in intro and "25/12/2026" in intro and "starts now" not in intro
        assert not start.query("#start") and pilot.app.focused is start.query_one(button, Button)
        await pilot.press("enter")
        await wait_for(pilot, leads_to)
    assert [(v.visit_id, v.status) for v in _kept(clinic_config, clinic_engine, course)] == [(visit.visit_id, status)]


async def test_a_ready_visit_not_treated_is_ended_with_the_reason_and_todays_starts(
        clinic_engine, clinic_config, course):  # noqa: F811
    """Re-screened ready, then not treated (the client left): staff end it with the reason, and the start screen
    comes back with today's session to start, the same session number (none was given)."""
    from intake.lifecycle.auth import Authenticated
    from intake.tui.screens.staff import ReasonScreen

    who = Authenticated("ajordan", "Alex Jordan", "practitioner", "ajordan", "test")
    visits, store = _visits(clinic_config, clinic_engine)
    with store:
        visit = visits.begin(course, who.actor)
        visit = visits.rescreen(visit.visit_id, {"changes_since_last": "nothing_changed", **healed()}, who.actor)
    app = build_app(clinic_engine, clock=VISIT_DAY, store="sqlite")
    async with app.run_test(size=SIZES["small"]) as pilot:
        await _to_the_start(pilot)
        await press(pilot, "#end")
        asking = await wait_for(pilot, ReasonScreen)
        await pilot.press("enter")  # nothing typed: nothing ends, and the screen says what is needed
        assert pilot.app.screen is asking and "Say why" in str(asking.query_one("#end-problem", Static).render())
        asking.query_one("#end-reason", Input).value = "the client had to leave"
        await press(pilot, "#end")
        start = await wait_for(pilot, VisitStartScreen)  # a new one: the visit ended, nothing is unfinished
        assert start.starting is not None and start.starting.unfinished is None
        intro = str(start.query_one(".screen-intro").render())
        assert f"Session {visit.number} of the course" in intro and "starts now" in intro
    kept = _kept(clinic_config, clinic_engine, course)
    assert [(v.visit_id, v.status) for v in kept] == [(visit.visit_id, "not_treated")]
    assert kept[0].outcome["not_treated"]["reason"] == "the client had to leave"
    assert kept[0].outcome["not_treated"]["by"] == "ajordan"
