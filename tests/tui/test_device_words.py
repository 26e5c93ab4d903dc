"""Every client screen says how to go on in the words of the device in use: keys at a terminal, taps on a tablet.

The step's hint follows the focus (generated over every question type in the questionnaire); a long answer's
box says how to leave it (Tab: Enter there is a new line); an answer that carries a finding is said back with
how to change it; the welcome, review, information, signature, kind stop and privacy screens each name their
way on. On a tablet (`WebIntakeApp`'s device) no hint names a key, and only there is a finger mentioned.
"""

from __future__ import annotations

import pytest
from textual.widgets import Static

from intake.choicekeys import question_keys
from intake.tui.device import KEYBOARD, TOUCH, Device
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.privacy import PrivacyScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.web import WebIntakeApp
from intake.tui.widgets.questions import QuestionField
from intake.tui.widgets.tiles import ChoiceTile
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, wait_for
from tests.tui.running import client_at_review
from tests.tui.test_answer_keys import ENGINE, QUESTIONS, showing, step_screen
from tests.tui.test_keys import _to_step
from tests.tui.test_kiosk import begin

#: Words that name a key: never on a tablet's screen.
KEY_WORDS = ("Enter", "Space", "Tab", "↑", "↓", "Page Down", "press", "Press")
DEVICES = {"keyboard": KEYBOARD, "touch": TOUCH}


def text(widget) -> str:
    """What a widget says; a hint broken into lines between its items reads as one line."""
    return str(widget.render()).replace(" ·\n", " · ")


def words_for(device: Device, hint: str) -> None:
    """A hint in the device's words: keys named at a terminal, none on a tablet."""
    if device.touch:
        assert not [w for w in KEY_WORDS if w in hint], hint
    else:
        assert "finger" not in hint.lower() and "tap " not in hint.lower(), hint


def test_the_tablet_app_uses_the_touch_words_and_the_terminal_the_keyboards():
    assert WebIntakeApp.DEVICE is TOUCH and build_app(ENGINE).device is KEYBOARD


@pytest.mark.parametrize("kind", sorted(DEVICES))
async def test_a_steps_hint_follows_the_focus_for_every_question_type(kind):
    device = DEVICES[kind]
    first_of_each = {q.type: q for q in reversed(QUESTIONS)}  # the first question of each type
    app = build_app(ENGINE)
    app.device = device
    async with app.run_test(size=SIZES["small"]) as pilot:
        await begin(pilot)
        for question in first_of_each.values():
            screen = await step_screen(pilot, question.step_id, showing(question))
            field = screen.query_one(f"#q-{question.id}", QuestionField)
            field.focus_answer()
            await pilot.pause()
            if question.type in ("yes_no", "choice", "multi_choice"):  # keys drawn on the options at a keyboard only
                assert [bool(t.key) for t in field.query(ChoiceTile)] == [not device.touch] * len(field.query(
                    ChoiceTile)), question.id
            hint = text(screen.query_one("#keys-hint"))
            assert hint == screen.key_hint()
            words_for(device, hint)
            if not device.touch:
                named = {"yes_no": "Y: Yes · N: No", "choice": "letter or number", "multi_choice": "again to untick",
                         "acknowledgement": "Space: tick", "text": "Enter: next question",
                         "date": "DD/MM/YYYY", "long_text": "Tab: next question"}[question.type]
                assert named in hint, (question.type, hint)
                assert question.type != "long_text" or "Enter: next" not in hint  # Enter is a new line there
            if question.type == "long_text":  # the box itself says how to leave it
                assert text(screen.query_one(f"#q-{question.id} .q-leave")) == device.long_text
        screen.query_one("#next").focus()
        await pilot.pause()
        assert text(screen.query_one("#keys-hint")) == device.step_hint("next", next_label=screen.next_label)


@pytest.mark.parametrize("kind", sorted(DEVICES))
async def test_an_answer_with_a_finding_is_said_back_at_once_with_how_to_change_it(engine, suitable_answers, kind):
    device = DEVICES[kind]
    concerns = engine.questionnaire.by_id["concerns"]
    keys = dict(zip((o.id for o in concerns.options), question_keys(engine.questionnaire, concerns, "en"),
                    strict=True))
    app = build_app(engine)
    app.device = device
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await _to_step(pilot, suitable_answers, "your_skin")
        field = step.query_one("#q-concerns", QuestionField)
        await pilot.press(keys["fine_lines"])  # no finding: nothing said back
        assert field.echoed is None
        await pilot.press(keys["melasma"])
        said = f"You said: Fine lines and wrinkles, Melasma (patches of darker skin) · {device.change['multi_choice']}"
        assert field.echoed == said and text(field.query_one(".q-echo")) == said and field.has_focus_within
        await pilot.press(keys["melasma"])  # unticked: nothing left to say back
        assert field.echoed is None
        sensitive = step.query_one("#q-sensitive_skin", QuestionField)
        sensitive.focus_answer()
        await pilot.press("y")  # a yes/no answer goes on by itself, except one said back: read it first
        change = "press N to change" if not device.touch else "tap to change"
        assert sensitive.echoed == f"You said: Yes · {change}" and sensitive.has_focus_within
        await pilot.press("enter")  # the client has read it: Enter goes on (here to Next, the last question)
        assert app.focused is step.query_one("#next") and app.screen is step


@pytest.mark.parametrize("kind", sorted(DEVICES))
async def test_each_client_screen_names_its_way_on_for_the_device(engine, suitable_answers, kind):
    device = DEVICES[kind]
    app = build_app(engine, kiosk=True)
    app.device = device
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        welcome = await wait_for(pilot, WelcomeScreen)
        assert text(welcome.query_one("#welcome-status")) == device.welcome
        review = await client_at_review(pilot, suitable_answers)  # Begin, the steps saved through the session
        hint = text(review.query_one("#keys-hint"))
        assert hint == device.review.format(key="M")
        words_for(device, hint)
        await press(pilot, "#confirm")
        info = await wait_for(pilot, InformationScreen)
        assert text(info.query_one("#read-hint")) == device.read_more
        words_for(device, device.read_more)
        info.query_one("#info-body").scroll_end(animate=False, immediate=True)
        await pilot.pause(0.1)
        assert text(info.query_one("#read-hint")) == device.read_done
        await press(pilot, "#continue")
        sign = await wait_for(pilot, SignatureScreen)
        how = " ".join(text(s) for s in sign.query("#sig-draw Static"))
        assert device.sign_draw in how and ("finger" in how) is device.touch
        words_for(device, device.sign_draw)
        app.idle_timeout = 0.2
        privacy = await wait_for(pilot, PrivacyScreen, timeout=3)
        assert device.privacy in [text(s) for s in privacy.query(Static)]
        words_for(device, device.privacy)


async def test_the_kind_stop_box_names_the_way_on_for_the_device(engine):
    answers = {**load_example("suitable")["answers"], "pregnant_or_breastfeeding": True}
    for device in DEVICES.values():
        app = build_app(engine)
        app.device = device
        async with app.run_test(size=SIZES["small"]) as pilot:
            step = await _to_step(pilot, answers, "health")
            await pilot.press("y")
            assert isinstance(app.screen, StepScreen) and step.stopped
            box = text(step.query_one("#step-kind-stop"))
            assert box == device.kind_stop
            words_for(device, box)
            words_for(device, text(step.query_one("#keys-hint")))


@pytest.mark.parametrize("kind", sorted(DEVICES))
async def test_the_client_is_told_what_to_do_once_finished_in_the_device_words(engine, kind):
    """The hand-back after signing and the kind stop's thank-you end with what the client does next: hand the
    tablet back on a tablet; at a terminal (a kiosk computer) tell a member of staff, and no tablet is named."""
    from intake.tui.screens.handback import HandbackScreen
    from intake.tui.screens.kindstop import KindStopScreen

    device = DEVICES[kind]
    app = build_app(engine)
    app.device = device
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        for screen in (HandbackScreen(app.clinic, app.texts["handback"]), KindStopScreen(app.clinic)):
            await app.push_screen(screen)
            await pilot.pause()
            message = text(screen.query_one(".big-message"))
            assert message.endswith(device.hand_back), message
            assert ("tablet" in message.lower()) is device.touch, message
            words_for(device, message)
            app.pop_screen()
            await pilot.pause()
