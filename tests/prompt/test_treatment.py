"""`intake ask` records the practitioner's treatment: session 1 once the consultation is countersigned, and a
re-screened visit's; only what the practitioner typed or chose to keep is recorded, and every act is theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.datetyping import date_order, expected_form, show_date
from intake.engine import Engine
from intake.lifecycle import Lifecycle
from intake.lifecycle.treatment_form import NOT_TREATED, TEXT_FIELDS
from intake.lifecycle.visits import Visits
from intake.prompt.prompter import KEEP
from intake.prompt.treatment import AskTreatment
from intake.records import Store
from tests.conftest import FRONT_DESK_PIN, PRACTITIONER_PIN
from tests.course.test_rescreen import healed
from tests.prompt.conftest import copy_of_clinic
from tests.prompt.fake import FakePrompter
from tests.prompt.test_flow import renderers, script, session  # noqa: F401 - renderers: a fixture
from tests.prompt.test_visit import (  # noqa: F401, F811 - fixtures: a client's consultation, session 1 treated
    VISIT_DAY,
    course,
    course_template,
)
from tests.prompt.test_visit import _visit as visit_at_prompts

#: What the practitioner types for each part of the record (the areas' depths are the plan's lowest, typed).
TYPED = {"device": "Dr. Pen A6", "needles": "12", "cartridge_lot": "LOT-2611-A", "numbing": "none",
         "serum": "hyaluronic acid", "skin_response": "even redness", "advice": "the aftercare sheet"}


@pytest.fixture(scope="module")
def countersigned_template(private_clinic_template, tmp_path_factory) -> tuple[Path, str]:
    """A clinic whose client's consultation was countersigned at the prompts, and nothing recorded after it."""
    folder = tmp_path_factory.mktemp("countersigned")
    config = copy_of_clinic(private_clinic_template, folder)
    engine = Engine.load(config)
    ask, store = session(engine, config, FakePrompter(script(engine, "suitable")), {})
    with store:
        ask.run()
    return folder, ask.intake_id


@pytest.fixture
def countersigned(countersigned_template, tmp_path, clinic_config):
    folder, intake_id = countersigned_template
    copy_of_clinic(folder, tmp_path)
    engine = Engine.load(clinic_config)
    store = Store.open(clinic_config, engine=engine)
    with store:
        yield Visits(Lifecycle(engine, store)), intake_id


def _practitioner(visits: Visits):
    return visits.life.authenticate(PRACTITIONER_PIN, "unlock", "phone")


def _record_script(visits: Visits, course_id: str, **changes) -> dict:
    """Every part of the record typed, the depths at the plan's lowest, the cartridge's expiry in the clinic's
    order, no adverse events chosen, and the next session's date kept as offered."""
    areas = visits.state(course_id).course.areas
    order = date_order(visits.config)
    return {**{f"depth-{area}": f"{low:g}" for area, (low, _) in areas.items()}, **TYPED,
            "cartridge_expiry": show_date("2099-06-30", order), "adverse_none": True, "next_session_from": KEEP,
            **changes}


def test_session_1_is_recorded_as_typed_and_countersigned_by_the_practitioner(countersigned):
    visits, intake_id = countersigned
    areas = visits.state(intake_id).course.areas
    prompter = FakePrompter({"first_session": "treatment", **_record_script(visits, intake_id),
                             "countersign_now": "now", "practitioner_pin": PRACTITIONER_PIN})
    done = AskTreatment(visits, prompter, "phone").offer_first(intake_id, _practitioner(visits))
    assert done is not None and len(done.paths) == 2 and all(p.stat().st_mode & 0o777 == 0o600 for p in done.paths)
    session_1 = visits.state(intake_id).visits[0]
    assert (session_1.number, session_1.status, session_1.countersigned_by) == (1, "signed", "ajordan")
    kept = session_1.treatment
    assert kept["areas"] == {area: low for area, (low, _) in areas.items()}
    assert {key: str(kept[key]) for key in TYPED} == TYPED
    assert kept["cartridge_expiry"] == "2099-06-30" and kept["adverse_events"] == "none"
    # the parts were asked in the record's order, the adverse events as a choice of their own
    asked = [key for key in prompter.asked if key in TEXT_FIELDS or key == "adverse_none"]
    assert asked == [k if k != "adverse_events" else "adverse_none" for k in TEXT_FIELDS]
    trail = [e for e in visits.store.audit_trail(intake_id) if e.event == "visit"]
    assert {e.staff for e in trail} == {"ajordan"}


def test_not_treated_today_records_nothing_and_says_so(countersigned):
    visits, intake_id = countersigned
    prompter = FakePrompter({"first_session": "not_treated"})
    assert AskTreatment(visits, prompter, "phone").offer_first(intake_id, _practitioner(visits)) is None
    assert NOT_TREATED in prompter.said and not visits.state(intake_id).visits


class Typing(FakePrompter):
    """Each time a part is asked, the next of its scripted answers (a practitioner correcting what was refused)."""

    def text(self, key, message, *, validate=None, instruction=None, multiline=False, keep=None):
        value = self._take(key)
        return value.pop(0) if isinstance(value, list) else value

    def choose(self, key, message, options, *, above=""):
        self.said.append(message)  # what the practitioner reads before choosing (the refusals among it)
        return super().choose(key, message, options, above=above)


def _impossible_expiry(visits: Visits) -> str:
    """The 31st of February, typed in the clinic's order."""
    return "31/02/2099" if date_order(visits.config) == "DMY" else "02/31/2099"


def test_each_refused_part_is_asked_again_alone_until_the_record_is_kept(countersigned):
    visits, intake_id = countersigned
    order = date_order(visits.config)
    area, (low, high) = next(iter(visits.state(intake_id).course.areas.items()))
    typed = _record_script(visits, intake_id, **{f"depth-{area}": [f"{high + 1:g}", f"{low:g}"]},
                           cartridge_expiry=[_impossible_expiry(visits), show_date("2099-06-30", order)])
    prompter = Typing({"first_session": "treatment", **typed, "record_again": "again", "countersign_now": "later"})
    assert AskTreatment(visits, prompter, "phone").offer_first(intake_id, _practitioner(visits)) is None
    # the date first (it cannot be read, said in the clinic's order), then the depth the record's check refused
    first_round = prompter.asked.index("record_again")
    assert prompter.asked[first_round + 1:] == ["cartridge_expiry", "record_again", f"depth-{area}",
                                                "countersign_now"]
    refusals = [text for text in prompter.said if "Not kept yet" in text]
    assert len(refusals) == 2 and expected_form(order) in refusals[0] and "YYYY-MM-DD" not in refusals[0]
    assert area.replace("_", " ") in refusals[1] or area in refusals[1]
    session_1 = visits.state(intake_id).visits[0]
    assert session_1.status == "recorded" and session_1.treatment["areas"][area] == low
    assert session_1.treatment["cartridge_expiry"] == "2099-06-30"
    assert any(f"records visit countersign {session_1.visit_id}" in text for text in prompter.said)


def test_stopping_at_a_refusal_records_nothing(countersigned):
    visits, intake_id = countersigned
    area, (_, high) = next(iter(visits.state(intake_id).course.areas.items()))
    prompter = Typing({"first_session": "treatment", "record_again": "stop",
                       **_record_script(visits, intake_id, **{f"depth-{area}": f"{high + 1:g}"})})
    assert AskTreatment(visits, prompter, "phone").offer_first(intake_id, _practitioner(visits)) is None
    assert "No treatment is recorded." in prompter.said and not visits.state(intake_id).visits


def test_front_desk_cannot_record_and_a_ready_visit_keeps_only_what_the_practitioner_kept(
        clinic_engine, clinic_config, course):  # noqa: F811 - the fixture
    ask, _, store = visit_at_prompts(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                    **healed()})
    with store:
        visit = ask.run(course)
        assert visit is not None and visit.status == "ready"
        visits = ask.visits
        state = visits.state(visit.course_id)
        last = state.visits[0].treatment
        prompter = FakePrompter({"treat_now": "now", "practitioner_pin": [FRONT_DESK_PIN, PRACTITIONER_PIN],
                                 **{f"depth-{area}": KEEP for area in state.course.areas},
                                 **{key: KEEP for key in ("device", "numbing", "serum", "advice",
                                                          "next_session_from")},
                                 "needles": "12", "cartridge_lot": "LOT-2612-B",
                                 "cartridge_expiry": show_date("2099-01-31", date_order(visits.config)),
                                 "skin_response": "mild redness", "adverse_none": False,
                                 "adverse_events": "slight pinpoint bleeding on the forehead",
                                 "countersign_now": "later"})
        assert AskTreatment(visits, prompter, "phone").offer_visit(visit) is None
        assert any("front-desk staff" in text for text in prompter.said)
        kept = visits.store.visits.load(visit.visit_id)
        assert kept.status == "recorded" and kept.practitioner_id == "ajordan"
        assert {key: kept.treatment[key] for key in ("device", "numbing", "serum", "advice")} == \
            {key: last[key] for key in ("device", "numbing", "serum", "advice")}
        assert kept.treatment["adverse_events"] == "slight pinpoint bleeding on the forehead"
        assert kept.treatment["areas"] == last["areas"]  # the depths offered were the last session's
        assert VISIT_DAY.date().isoformat() == kept.visit_date


def test_a_visit_left_unfinished_is_finished_at_the_next_ask(clinic_engine, clinic_config, course):  # noqa: F811
    ask, _, store = visit_at_prompts(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                    **healed()})
    with store:
        ready = ask.run(course)
        assert ready is not None and ready.status == "ready"
        again, prompter, _ = visit_at_prompts(clinic_engine, clinic_config, {})
        assert again.run(course) is None and again.waiting is not None and again.waiting.visit_id == ready.visit_id
        assert prompter.asked == ["staff_pin"]  # nothing is asked of the client again
        later = FakePrompter({"treat_now": "later"})
        assert AskTreatment(again.visits, later, "phone").finish(again.waiting) is None
        assert any(f"records visit record {ready.visit_id}" in text for text in later.said)
        state = again.visits.state(ready.course_id)
        who = again.visits.life.authenticate(PRACTITIONER_PIN, "treat", "phone")
        again.visits.record(ready.visit_id, who, {**state.visits[0].treatment, "next_session_from": "2027-02-01"})
        third, _, _ = visit_at_prompts(clinic_engine, clinic_config, {})
        assert third.run(course) is None and third.waiting is not None and third.waiting.status == "recorded"
        signing = FakePrompter({"countersign_now": "now", "practitioner_pin": PRACTITIONER_PIN})
        done = AskTreatment(third.visits, signing, "phone").finish(third.waiting)
        assert done is not None and done.visit.status == "signed" and done.visit.countersigned_by == "ajordan"


def test_a_ready_visit_not_treated_is_ended_with_the_reason_by_who_started_it(
        clinic_engine, clinic_config, course):  # noqa: F811 - the fixture
    ask, _, store = visit_at_prompts(clinic_engine, clinic_config, {"changes_since_last": "nothing_changed",
                                                                    **healed()})
    with store:
        ready = ask.run(course)
        assert ready is not None and ready.status == "ready" and ask.who is not None
        prompter = FakePrompter({"treat_now": "end", "end_reason": ["x", "the client had to leave"]})
        assert AskTreatment(ask.visits, prompter, "phone").offer_visit(ready, ask.who) is None
        assert prompter.rejected["end_reason"] and "say why" in prompter.rejected["end_reason"][0].casefold()
        ended = ask.visits.store.visits.load(ready.visit_id)
        assert ended.status == "not_treated"
        assert ended.outcome["not_treated"]["reason"] == "the client had to leave"
        assert ended.outcome["not_treated"]["by"] == ask.who.staff_id
        # without a member of staff proved, ending is not offered
        offered = FakePrompter({"treat_now": "later"})
        AskTreatment(ask.visits, offered, "phone").offer_visit(ready)
        assert "end" not in offered.offered["treat_now"]


def test_with_the_shared_pin_staff_say_who_is_treating_and_the_session_is_theirs(engine, tmp_path, monkeypatch):
    """The demo clinic's shared PIN proves only that someone on the staff is there: the treating practitioner is
    chosen, and the record and its countersignature are theirs, not the consultation's countersigner's."""
    from tests.tui.driver import DEMO_PIN

    monkeypatch.chdir(tmp_path)  # the demo clinic's store, keys and documents go here
    config = engine.config
    ask, store = session(engine, config, FakePrompter(script(engine, "suitable", staff_pin=DEMO_PIN)), {})
    with store:
        ask.run()
        visits = Visits(Lifecycle(engine, store))
        ask.prompter = FakePrompter({"first_session": "treatment", "treating": "spatel",
                                     **_record_script(visits, ask.intake_id), "countersign_now": "now",
                                     "practitioner_pin": [DEMO_PIN]})
        ask.todays_treatment()
        session_1 = visits.state(ask.intake_id).visits[0]
        assert (session_1.practitioner_id, session_1.countersigned_by, session_1.status) == ("spatel", "spatel",
                                                                                            "signed")
        assert "treating" in ask.prompter.asked  # asked, never assumed


def test_session_1_after_a_clearance_asks_no_clearance_note_again(clinic_engine, clinic_config,
                                                                   renderers):  # noqa: F811 - the fixture
    """The consultation's clearance was decided, with the practitioner's name, before it was countersigned: session 1
    on that day asks for no clearance note, which nothing would keep (the record's check keeps a visit's only)."""
    from intake.lifecycle.treatment_form import context, first_visit

    prompter = FakePrompter(script(clinic_engine, "clearance", decision="clearance_noted",
                                   reason="GP letter dated 15 Nov 2026 approves treatment"))
    ask, store = session(clinic_engine, clinic_config, prompter, renderers)
    with store:
        ask.run()
        visits = Visits(Lifecycle(clinic_engine, store))
        assert not context(visits, first_visit(visits, ask.intake_id), "Client").clearance  # nor on the kiosk
        ask.prompter = FakePrompter({"first_session": "treatment", **_record_script(visits, ask.intake_id),
                                     "countersign_now": "later"})  # a clearance note asked would be unscripted
        ask.todays_treatment()
        assert visits.state(ask.intake_id).visits[0].status == "recorded"
        assert "clearance_note" not in ask.prompter.asked
