"""A client's whole course, walked as issue 22 checks it: once from the command line, once at the kiosk.

One client (the suitable example, Maria Okonkwo-Smith) on the same days through both front ends (`walk`):
a first consultation countersigned with a plan of 5 sessions, and the treatment given that day recorded as
session 1 (its re-screen is the consultation); sessions 2 and 3 with nothing changed; session 4 after a new
medicine (doxycycline, which makes the skin sensitive to light: a clearance the practitioner notes in the treatment
record); and a visit more than `[policy] consent_valid_months` (12) after the consent, which needs a new consent.
The client then consents again as the product has it: staff start a new consultation for the returning client (the
command line imports their answers), it is signed and countersigned, and it starts a new course that follows the
first; the treatment given that day is session 1 of the new course (the client's fifth treatment).

Every visit is started and re-screened by the front desk and treated and countersigned by the practitioner, each
with their own PIN. What the walk left is read back as a clinic would, through the command line: `records show`,
`records visit show|list|export` (JSON, CSV, FHIR), the whole-clinic Bundle, `intake verify` on every document and
`audit verify`; the FHIR is read by fhir.resources and fhirclient. Visit days are fixed (never today): the kiosk
runs on a clock the walk sets, the command line takes `--date` and `--signed-at`. Each walk is one test that runs
every check (`CHECKS`) and names each that fails, so that test workers do not walk a course twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from intake.cli import main
from intake.engine import Engine
from tests.conftest import FRONT_DESK_PIN, PRACTITIONER_PIN, load_example
from tests.course.test_rescreen import ENGINE, healed
from tests.prompt.conftest import private_clinic

pytestmark = pytest.mark.slow  # six sessions at the kiosk and by command: `make test-slow`, CI

CONSULTED = date(2026, 11, 20)
#: The visits' days: 4 weeks apart (the plan's interval), then the fifth 55 weeks after the consent.
DAYS = {2: date(2026, 12, 18), 3: date(2027, 1, 15), 4: date(2027, 2, 12), 5: date(2027, 12, 10)}
SESSIONS = 5
NAME, BIRTH = "Maria Okonkwo-Smith", date(1988, 3, 14)
#: The new medicine reported at session 4.
DOXYCYCLINE = {"photosensitising_medicine": True, "photosensitising_medicine_name": "doxycycline"}
CLEARANCE_NOTE = "Pharmacist confirmed doxycycline; SPF 50 daily, shallowest depth"
#: What the practitioner types for each session (the depths are the plan's lowest, prefilled at the kiosk).
TREATMENT = {"device": "Dermapen 4", "needles": 16, "cartridge_lot": "LOT2026A", "cartridge_expiry": "2028-06-30",
             "numbing": "none", "serum": "hyaluronic acid", "skin_response": "even redness, settled in the room",
             "advice": "SPF 50 daily"}


def answers() -> dict[str, Any]:
    """The client's consultation answers."""
    return copy.deepcopy(load_example("suitable")["answers"])


def rescreen_answers(changes: dict[str, Any] | None) -> dict[str, Any]:
    """A visit's answers: "Nothing has changed", or every question asked again (the consultation's answers with the
    changes); the skin healed well after each session."""
    from intake.course import NOTHING_CHANGED, SOMETHING_CHANGED

    if changes is None:
        return {ENGINE.rescreen.changes_question: NOTHING_CHANGED, **healed()}
    again = set(ENGINE.rescreen.asked_again)
    given = {ENGINE.rescreen.changes_question: SOMETHING_CHANGED, **healed(),
             **{k: v for k, v in {**answers(), **changes}.items() if k in again}}
    shown = {q.id for q in ENGINE.rescreen.questionnaire.visible(given)}
    return {k: v for k, v in given.items() if k in shown}


class Front(Protocol):
    """A front end the course is walked through."""

    async def consult(self, day: date, returning: bool) -> None:
        """A consultation on `day` (a returning client's: their earlier answers), signed and countersigned with a
        plan of SESSIONS sessions, and the treatment given that day recorded and countersigned as session 1."""

    async def visit(self, number: int, changes: dict[str, Any] | None, treat: bool) -> None:
        """Session `number` on DAYS[number]: started and re-screened by the front desk; when `treat`, recorded and
        countersigned by the practitioner (with CLEARANCE_NOTE when the re-screen needs a clearance)."""


async def walk(front: Front) -> None:
    """The whole course, the same for every front end."""
    await front.consult(CONSULTED, returning=False)
    await front.visit(2, None, treat=True)
    await front.visit(3, None, treat=True)
    await front.visit(4, DOXYCYCLINE, treat=True)
    await front.visit(5, None, treat=False)  # the consent has expired: the visit says a new one is needed
    await front.consult(DAYS[5], returning=True)


# -- the command line ---------------------------------------------------------------------------------------------


def intake(config: Path, *args: str, pin: str | None = None) -> str:
    """Runs `intake --config CONFIG ARGS` as staff would (the PIN on standard input); its output (exit 0 expected)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(f"{pin}\n" if pin else "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--config", str(config), *args, *(["--pin-stdin"] if pin else [])])
    finally:
        sys.stdin = stdin
    assert code == 0, (args, err.getvalue())
    return out.getvalue()


@dataclass
class CommandLine:
    """The course at the command line."""

    config: Path
    folder: Path
    shown: dict[int, str] = field(default_factory=dict)  # what `visit show` tells the practitioner, by session
    first: str = ""  # the first consultation's intake id: visits name the client by it
    plan: dict[str, str] = field(default_factory=dict)  # each consented area's lowest depth, as listed

    def _file(self, name: str, content: dict[str, Any]) -> str:
        path = self.folder / name
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        return str(path)

    async def consult(self, day: date, returning: bool) -> None:
        record = {**load_example("suitable"), "consultation_date": day.isoformat()}
        record.pop("record_id", None)
        done = intake(self.config, "records", "import", self._file(f"consultation-{day}.json", record))
        intake_id = re.search(r"imported as intake (\w+)", done).group(1)
        self.first = self.first or intake_id
        intake(self.config, "records", "sign", intake_id, "--typed-name", NAME, "--photo-same-signature",
               "--signed-at", f"{day}T10:00:00+00:00")
        intake(self.config, "records", "countersign", intake_id, "--sessions", str(SESSIONS), "--signed-at",
               f"{day}T10:30:00+00:00", pin=PRACTITIONER_PIN)
        listed = intake(self.config, "records", "visit", "list", intake_id)  # the plan, for the depths
        self.plan = dict(re.findall(r"(\w+) ([\d.]+)-[\d.]+ mm", listed.split(f"Course {intake_id} ")[1]))
        recorded = intake(self.config, "records", "visit", "record", intake_id, "--treatment",
                          self._file(f"treatment-{day}.json", self._treatment(None)), pin=PRACTITIONER_PIN)
        visit_id = re.search(rf"Visit (v-\w+): session 1 on {day}, ", recorded).group(1)
        intake(self.config, "records", "visit", "countersign", visit_id, pin=PRACTITIONER_PIN)

    def _treatment(self, changes: dict[str, Any] | None) -> dict[str, Any]:
        """What the practitioner records: the plan's lowest depths (as the kiosk prefills them)."""
        record = {**TREATMENT, "areas": {area: float(low) for area, low in self.plan.items()},
                  "adverse_events": "none"}
        return {**record, "clearance_note": CLEARANCE_NOTE} if changes else record

    async def visit(self, number: int, changes: dict[str, Any] | None, treat: bool) -> None:
        started = intake(self.config, "records", "visit", "start", self.first, "--date", DAYS[number].isoformat(),
                         pin=FRONT_DESK_PIN)
        visit_id = re.search(rf"Visit (v-\w+): session {number} on ", started).group(1)
        intake(self.config, "records", "visit", "rescreen", visit_id, "--answers",
               self._file(f"rescreen-{number}.json", rescreen_answers(changes)), pin=FRONT_DESK_PIN)
        if changes or not treat:
            self.shown[number] = intake(self.config, "records", "visit", "show", visit_id)
        if not treat:
            return
        intake(self.config, "records", "visit", "record", visit_id, "--treatment",
               self._file(f"treatment-{number}.json", self._treatment(changes)), pin=PRACTITIONER_PIN)
        intake(self.config, "records", "visit", "countersign", visit_id, pin=PRACTITIONER_PIN)


# -- the kiosk ----------------------------------------------------------------------------------------------------


@dataclass
class Calendar:
    """The kiosk's clock, set by the walk to each visit's day (10:00 UTC)."""

    at: datetime = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, day: date) -> None:
        self.at = datetime.combine(day, time(10, 0), UTC)


@dataclass
class Kiosk:
    """The course at the kiosk, driven through its screens with Pilot (one app for the whole course)."""

    pilot: Any
    calendar: Calendar
    shown: dict[int, str] = field(default_factory=dict)  # what the practitioner saw, by session
    said: dict[int, str] = field(default_factory=dict)  # what the client was told, by session

    async def consult(self, day: date, returning: bool) -> None:
        from textual.widgets import Input

        from intake.tui.screens.documents import DoneScreen
        from intake.tui.screens.practitioner import PractitionerScreen
        from intake.tui.screens.review import ReviewScreen
        from intake.tui.screens.staff import ReturningScreen, StaffMenuScreen
        from intake.tui.screens.visit import FirstSessionScreen
        from intake.tui.screens.welcome import WelcomeScreen
        from intake.tui.widgets.tiles import ChoiceTile
        from tests.tui.driver import answer_all_steps, enter_pin, hand_back, press, read_information, sign_by_drawing
        from tests.tui.driver import wait_for as shown

        pilot = self.pilot
        self.calendar.set(day)
        await shown(pilot, WelcomeScreen)
        if returning:  # staff look the client up: their lasting answers are filled in
            await press(pilot, "#staff")
            await enter_pin(pilot, FRONT_DESK_PIN)
            await shown(pilot, StaffMenuScreen)
            await press(pilot, "#returning")
            lookup = await shown(pilot, ReturningScreen)
            lookup.query_one("#returning-name", Input).value = NAME
            lookup.query_one("#returning-birth", Input).value = BIRTH.strftime("%d/%m/%Y")
            await press(pilot, "#look-up")
            await press(pilot, "#start-found")
        else:
            await press(pilot, "#begin")
        await answer_all_steps(pilot, answers())
        await shown(pilot, ReviewScreen)
        await press(pilot, "#confirm")
        await read_information(pilot)
        await sign_by_drawing(pilot)  # the consent
        await sign_by_drawing(pilot)  # the photo consent
        await hand_back(pilot, PRACTITIONER_PIN)
        screen = await shown(pilot, PractitionerScreen)
        screen.query_one("#sessions", Input).value = str(SESSIONS)
        screen.query_one("#countersign-ack", ChoiceTile).action_press()
        await pilot.pause()
        await press(pilot, "#countersign")
        await shown(pilot, DoneScreen, timeout=60)
        await press(pilot, "#finish")
        await shown(pilot, FirstSessionScreen)  # treated today: session 1
        await press(pilot, "#treatment")
        await self._treat(1)

    async def visit(self, number: int, changes: dict[str, Any] | None, treat: bool) -> None:
        from textual.widgets import Input, Static

        from intake.tui.screens.visit import (
            AskStaffScreen,
            ClientWordsScreen,
            NextSessionScreen,
            VisitOutcomeScreen,
            VisitStartScreen,
        )
        from intake.tui.screens.welcome import WelcomeScreen
        from tests.tui.driver import enter_pin, press
        from tests.tui.driver import wait_for as shown

        pilot = self.pilot
        self.calendar.set(DAYS[number])
        await shown(pilot, WelcomeScreen)
        await press(pilot, "#next-session")  # the client: "I'm here for my next session"
        typed = await shown(pilot, NextSessionScreen)
        typed.query_one("#visit-name", Input).value = NAME
        typed.query_one("#visit-birth", Input).value = BIRTH.strftime("%d/%m/%Y")
        await press(pilot, "#continue")
        await shown(pilot, AskStaffScreen)
        await press(pilot, "#staff")
        await enter_pin(pilot, FRONT_DESK_PIN)  # the front desk checks who it is and starts the session
        await shown(pilot, VisitStartScreen)
        await press(pilot, "#start")
        await self._rescreen(rescreen_answers(changes))
        words = await shown(pilot, ClientWordsScreen)
        self.said[number] = str(words.query_one(".big-message").render())
        await press(pilot, "#staff")
        await enter_pin(pilot, PRACTITIONER_PIN)
        outcome = await shown(pilot, VisitOutcomeScreen)
        self.shown[number] = " | ".join(str(s.render()) for s in outcome.query(Static))
        if not treat:
            await press(pilot, "#done")
            await shown(pilot, WelcomeScreen)
            return
        await press(pilot, "#treatment")
        await self._treat(number)

    async def _treat(self, number: int) -> None:
        """The practitioner's treatment record (the depths as prefilled: the plan's lowest), kept and countersigned
        with their PIN."""
        from textual.widgets import Checkbox, Input

        from intake.tui.screens.handback import PinScreen
        from intake.tui.screens.treatment import TreatmentScreen
        from intake.tui.screens.welcome import WelcomeScreen
        from tests.tui.driver import enter_pin, press
        from tests.tui.driver import wait_for as shown

        pilot = self.pilot
        screen = await shown(pilot, TreatmentScreen)
        self.shown[number] = self.shown.get(number, "") + " | " + " | ".join(screen.shown.reported)
        for key, value in TREATMENT.items():  # the depths stay as prefilled (the plan's lowest)
            typed = date.fromisoformat(str(value)).strftime("%d/%m/%Y") if key == "cartridge_expiry" else value
            screen.query_one(f"#{key}", Input).value = str(typed)
        if screen.shown.clearance:
            screen.query_one("#clearance_note", Input).value = CLEARANCE_NOTE
        screen.query_one("#adverse-none", Checkbox).value = True
        await pilot.pause()
        await press(pilot, "#keep")
        await shown(pilot, PinScreen)
        await enter_pin(pilot, PRACTITIONER_PIN)  # the practitioner countersigns
        await shown(pilot, WelcomeScreen, timeout=60)

    async def _rescreen(self, given: dict[str, Any]) -> None:
        """Answers each step of the re-screen shown, and Next, until the client's last words."""
        from intake.tui.screens.step import StepScreen
        from intake.tui.screens.visit import ClientWordsScreen
        from tests.tui.driver import answer_shown, press

        pilot = self.pilot
        for _ in range(20):
            screen = pilot.app.screen
            if isinstance(screen, ClientWordsScreen):
                return
            if not isinstance(screen, StepScreen) or not screen.is_mounted:
                await pilot.pause(0.005)
                continue
            await answer_shown(pilot, screen, given)
            await press(pilot, "#next")
            for _ in range(400):
                if pilot.app.screen is not screen:
                    break
                await pilot.pause(0.005)
            assert pilot.app.screen is not screen, screen.query(".problem")
        raise AssertionError(f"the re-screen did not end: {type(pilot.app.screen).__name__}")


async def at_the_kiosk(config: Any) -> Kiosk:
    """The whole course through one kiosk app on the clinic's own store."""
    from intake.engine import Engine
    from tests.tui.conftest import SIZES, build_app

    calendar = Calendar()
    engine = Engine.load(config)
    app = build_app(engine, clock=calendar, store="sqlite")
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await app.wait_ready()
        kiosk = Kiosk(pilot, calendar)
        await walk(kiosk)
    app.session.close()
    return kiosk


# -- what the clinic reads back --------------------------------------------------------------------------------------


@dataclass
class Course:
    """What a walk left in the clinic, read back as a clinic would."""

    front: Any
    consents: list[Any]  # the client's two countersigned consultations, oldest first (IntakeView)
    visits: list[Any]  # the client's visits, oldest first
    trail: list[Any]  # the client's audit trail
    shown: str  # `records show` of the first consultation
    listed: str  # `records visit list` of the client (their current course)
    fourth: dict[str, Any]  # session 4's export as JSON, CSV rows and FHIR Bundle
    bundle: dict[str, Any]  # the whole-clinic export's bundle.json, for this client
    manifest: dict[str, Any]
    documents: list[Path]  # every sealed PDF written
    verified: str  # `intake verify` of them all
    audit: str  # `intake audit verify`


def read_back(config_file: Path, folder: Path, front: Any) -> Course:
    from intake.config import load_config
    from intake.records import Store

    config = load_config(config_file)
    with Store.open(config) as store:
        (client_id,) = {row.client_id for row in store.search(f"{NAME} {BIRTH.isoformat()}", limit=20).rows}
        views = [store.load_intake(intake_id) for _, intake_id in store.intake_page(client_id=client_id, limit=50)]
        # oldest first; on the renewal's day the visit that found the consent expired came before the new
        # consultation's treatment (the kiosk's clock stands still within a day, so the store cannot tell them apart)
        visits = sorted(store.visits.of_client(client_id), key=lambda v: (v.visit_date, v.answers is None))
        trail = list(store.audit_trail())
    consents = sorted((v for v in views if v.status == "signed"), key=lambda v: v.consultation_date)
    exports: dict[str, Any] = {}  # session 4's (the changed one) in each format
    fourth = next(v for v in visits if v.number == 4)
    for kind in ("json", "csv", "fhir"):
        out = folder / f"{fourth.visit_id}.{kind}"
        intake(config_file, "records", "visit", "export", fourth.visit_id, "--format", kind, "--out", str(out),
               pin=FRONT_DESK_PIN)
        text = out.read_text(encoding="utf-8")
        exports[kind] = list(csv.reader(io.StringIO(text))) if kind == "csv" else json.loads(text)
    whole = folder / "bundle"
    intake(config_file, "records", "export", "--format", "bundle", "--client", client_id, "--out", str(whole),
           pin=FRONT_DESK_PIN)
    documents = sorted(Path(config.path("documents", "out_dir") or "").rglob("*.pdf"))
    return Course(
        front, consents, visits, trail, intake(config_file, "records", "show", consents[0].intake_id, "--no-answers"),
        intake(config_file, "records", "visit", "list", client_id), exports,
        json.loads((whole / "bundle.json").read_text(encoding="utf-8")),
        json.loads((whole / "manifest.json").read_text(encoding="utf-8")), documents,
        intake(config_file, "verify", *map(str, documents)), intake(config_file, "audit", "verify"))


def _load_once(load: Any) -> Any:
    """Engine.load, reading each clinic file once (the commands of a walk load the same one, unchanged)."""
    loaded: dict[str, Engine] = {}

    def load_once(config: Any = None) -> Engine:
        if not isinstance(config, str | Path):
            return load(config)
        if str(config) not in loaded:
            loaded[str(config)] = load(config)
        return loaded[str(config)]

    return load_once


@pytest.fixture(scope="module", params=["command line", "kiosk"])
def course(request, tmp_path_factory) -> Course:
    """The whole course walked through one front end, in a clinic of its own."""
    from intake.records import staff as staff_module

    folder = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff_module, "SCRYPT_N", 2 ** 10)  # the tests' PIN hashing cost (tests/conftest.py)
        patch.setattr(Engine, "load", _load_once(Engine.load))  # each command loads the same clinic: once
        patch.delenv("INTAKE_CONFIG", raising=False)
        patch.setenv("INTAKE_DEVICE", "front-desk-pc")
        patch.chdir(folder)
        config = private_clinic(folder)
        if request.param == "kiosk":
            front: Any = asyncio.run(at_the_kiosk(config))
        else:
            front = CommandLine(folder / "clinic.toml", folder)
            asyncio.run(walk(front))
        yield read_back(folder / "clinic.toml", folder, front)


# -- what a clinic checks ----------------------------------------------------------------------------------------


def _visit(course: Course, number: int) -> Any:
    return next(v for v in course.visits if v.number == number)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def check_sessions_two_to_four_are_given_and_the_fifth_visit_needs_a_new_consent(course: Course) -> None:
    first, renewed = course.consents
    assert first.consultation_date == CONSULTED.isoformat()
    assert [(v.number, v.visit_date, v.status) for v in course.visits] == [
        (1, "2026-11-20", "signed"), (2, "2026-12-18", "signed"), (3, "2027-01-15", "signed"),
        (4, "2027-02-12", "signed"), (5, "2027-12-10", "needs_consent"), (1, "2027-12-10", "signed")]
    assert [v.course_id for v in course.visits] == [first.intake_id] * 5 + [renewed.intake_id]
    assert [v.answers is None for v in course.visits] == [True] + [False] * 4 + [True]  # session 1s: consultations
    shown = course.shown  # `records show` lists the client's courses
    assert "Sessions of this course (5):" in shown and f"Sessions of the course of intake {renewed.intake_id} (1):" \
        in shown
    assert f"session 1 on {CONSULTED}, countersigned (on the consultation's day): forehead 0.25 mm" in shown
    for number in (2, 3, 4):
        assert f"session {number} on {DAYS[number]}, countersigned: forehead 0.25 mm, cheeks 0.5 mm" in shown
    assert f"session 5 on {DAYS[5]}, NEW CONSENT NEEDED first" in shown


def check_the_front_desk_started_each_visit_and_the_practitioner_treated_and_countersigned(course: Course) -> None:
    first_sessions = [("ajordan", "ajordan", "ajordan")]  # recorded by the practitioner from the consultation
    assert [(v.started_by, v.practitioner_id, v.countersigned_by) for v in course.visits] == \
        first_sessions + [("frontdesk", "ajordan", "ajordan")] * 3 + [("frontdesk", None, None)] + first_sessions
    for visit in course.visits:
        acts = [(e.data["act"], e.staff) for e in course.trail
                if e.event == "visit" and e.data.get("visit_id") == visit.visit_id]
        treated = [("treatment_recorded", "ajordan"), ("countersigned", "ajordan")] if visit.number < 5 else []
        screened = [("started", "ajordan")] if visit.answers is None else \
            [("started", "frontdesk"), ("rescreened", "frontdesk")]
        assert acts == [*screened, *treated], visit.number
    countersigned = [e.intake_id for e in course.trail if e.event == "signed" and e.staff == "ajordan"]
    assert countersigned == [c.intake_id for c in course.consents]  # both consents, by the practitioner
    assert course.audit.startswith("Audit trail OK")


def check_each_session_records_the_depth_and_cartridge_used(course: Course) -> None:
    for number in (2, 3, 4):
        done = _visit(course, number).treatment
        assert done["areas"] == {"forehead": 0.25, "cheeks": 0.5}  # the plan's lowest, as prefilled
        assert (done["cartridge_lot"], done["cartridge_expiry"], done["adverse_events"]) == \
            ("LOT2026A", "2028-06-30", "none")
    kept = course.fourth["json"]  # `records visit export --format json`
    assert (kept["number"], kept["status"], kept["treatment"]["areas"]) == \
        (4, "signed", {"forehead": 0.25, "cheeks": 0.5})


def check_the_new_medicine_is_shown_to_the_practitioner_and_kept_with_session_four(course: Course) -> None:
    shown = course.front.shown[4]  # `visit show` at the command line; the outcome and treatment screens at the kiosk
    assert re.search(r"sensitive to sunlight\?: No (->|→) Yes", shown) and "doxycycline" in shown
    assert "Photosensitising medication: doxycycline" in shown
    fourth = course.fourth
    assert fourth["json"]["answers"]["photosensitising_medicine_name"] == "doxycycline"
    assert fourth["json"]["treatment"]["clearance_note"] == CLEARANCE_NOTE
    assert ["answer.photosensitising_medicine_name", "doxycycline"] in fourth["csv"]
    response = _resources(fourth["fhir"], "QuestionnaireResponse")[0]
    answered = {item["linkId"]: item["answer"] for group in response["item"] for item in group["item"]}
    assert answered["photosensitising_medicine_name"] == [{"valueString": "doxycycline"}]


def check_nothing_changed_since_session_four_still_carries_the_medicine(course: Course) -> None:
    fifth = _visit(course, 5)
    assert fifth.answers["changes_since_last"] == "nothing_changed"
    assert "photosensitising_medicine" in {f["rule"] for f in fifth.assessment["findings"]}
    assert "doxycycline" in course.front.shown[5]


def check_the_expired_consent_is_renewed_and_starts_the_course_again(course: Course) -> None:
    first, renewed = course.consents
    (reason,) = _visit(course, 5).outcome["reasons"]
    assert "signed on 2026-11-20" in reason and "until 2027-11-20" in reason
    assert "until 2027-11-20" in course.front.shown[5]  # staff are told why
    assert (renewed.consultation_date, renewed.status) == (DAYS[5].isoformat(), "signed")
    assert renewed.client_id == first.client_id  # the same client, found by name and date of birth
    listed = course.listed  # every course of the client, each headed by its consent's date and status
    assert listed.startswith(f"Course {first.intake_id} (client {first.client_id}): consented {CONSULTED}, "
                             "ended: a later consent followed it")
    renewal = listed[listed.index(f"Course {renewed.intake_id} "):]
    assert renewal.startswith(f"Course {renewed.intake_id} (client {first.client_id}): consented {DAYS[5]}, ")
    assert f"Plan: {SESSIONS} sessions at least 4 weeks apart" in renewal
    assert f"Consultation on {DAYS[5]} (a new consent following the course {first.intake_id})" in renewal
    assert f"session 1 on {DAYS[5]}, countersigned (on the consultation's day)" in renewal
    assert f"1 of {SESSIONS} sessions given; the next from {DAYS[5] + timedelta(weeks=4)}" in renewal


def check_every_document_is_sealed_and_verifies(course: Course) -> None:
    assert len(course.documents) == 14 and course.verified.count("VERIFIED ") == 14
    assert "NOT VERIFIED" not in course.verified
    for kind, count in (("consent", 2), ("aftercare", 2), ("session_record", 5), ("session_aftercare", 5)):
        assert course.verified.count(f"document:    {kind} for {NAME}") == count, kind
    for number, day in ((1, CONSULTED), (2, DAYS[2]), (3, DAYS[3]), (4, DAYS[4]), (1, DAYS[5])):
        assert course.verified.count(f"about:       session {number} of {SESSIONS} on {day}") == 2
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in course.documents)


def check_the_courses_exports_are_read_by_two_fhir_libraries(course: Course) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhirclient.models.bundle import Bundle as ClientBundle

    first, renewed = course.consents
    for bundle in (course.bundle, course.fourth["fhir"]):
        Bundle.model_validate(bundle)
        ClientBundle(copy.deepcopy(bundle), strict=True)
    assert (course.manifest["intakes"], course.manifest["visits"], course.manifest["documents"]) == (2, 6, 14)
    procedures = _resources(course.bundle, "Procedure")
    assert sorted(p["status"] for p in procedures) == ["completed"] * 5 + ["not-done"]
    assert sorted(p["partOf"][0]["identifier"]["value"] == first.intake_id for p in procedures) == \
        [False] + [True] * 5  # the renewed course's session 1 is part of that course
    for procedure in procedures:
        assert procedure["partOf"][0]["identifier"]["value"] in (first.intake_id, renewed.intake_id)
        if procedure["status"] == "completed":
            assert procedure["performer"][0]["actor"]["display"] == "Alex Jordan"
            assert {site["coding"][0]["code"] for site in procedure["bodySite"]} == {"forehead", "cheeks"}
    assert len(_resources(course.bundle, "QuestionnaireResponse")) == 2 + 4  # two consultations, four re-screens
    assert len(_resources(course.bundle, "Patient")) == 1


def check_the_kiosk_tells_the_client_what_comes_next_in_words_without_reasons(course: Course) -> None:
    from intake.lifecycle.visits import CLIENT_WORDS

    if not isinstance(course.front, Kiosk):
        return  # the client's words are the kiosk's
    assert all(course.front.said[n].startswith(CLIENT_WORDS["ready"]) for n in (2, 3, 4))
    assert course.front.said[5].startswith(CLIENT_WORDS["needs_consent"]) and "12 months" not in course.front.said[5]


#: Every check of a walked course, each a small thing a clinic would look at.
CHECKS = (
    check_sessions_two_to_four_are_given_and_the_fifth_visit_needs_a_new_consent,
    check_the_front_desk_started_each_visit_and_the_practitioner_treated_and_countersigned,
    check_each_session_records_the_depth_and_cartridge_used,
    check_the_new_medicine_is_shown_to_the_practitioner_and_kept_with_session_four,
    check_nothing_changed_since_session_four_still_carries_the_medicine,
    check_the_expired_consent_is_renewed_and_starts_the_course_again,
    check_every_document_is_sealed_and_verifies,
    check_the_courses_exports_are_read_by_two_fhir_libraries,
    check_the_kiosk_tells_the_client_what_comes_next_in_words_without_reasons,
)


def test_the_whole_course(course):
    """Every check on the course one front end walked, each reported by name: one test per walk, so that the walk
    is made once (test workers share out tests, and each would make a module's walk again)."""
    failed = []
    for check in CHECKS:
        try:
            check(course)
        except AssertionError as problem:
            failed.append(f"{check.__name__}: {problem}")
    assert not failed, "\n\n".join(failed)
