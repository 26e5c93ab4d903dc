"""A German intake through the wizard (#26): the client chooses Deutsch on the welcome screen and everything they
see follows it (the data-file texts, the wizard's own words, the keys, dates); the record keeps "de"; the
practitioner's screens stay in the clinic's language (English).

The clinic copy's German data texts are the data's own where it has them, else generated ("DE: " and the English,
tests/german_clinic.py); the assertions read them from the data. The wizard's words are the real German catalogue's.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from intake.datetyping import show_date
from intake.engine import Engine
from intake.i18n import long_date
from intake.questionnaire import localize
from intake.tui.screens.handback import HandbackScreen, PinScreen
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.kindstop import KindStopScreen, StoppedScreen
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.screens.privacy import PrivacyScreen
from intake.tui.screens.review import ReviewScreen
from intake.tui.screens.signature import SignatureScreen
from intake.tui.screens.staff import ReturningScreen
from intake.tui.screens.step import StepScreen
from intake.tui.screens.welcome import WelcomeScreen
from intake.tui.widgets.questions import QuestionField
from tests.conftest import load_example
from tests.german_clinic import english_only, german_clinic
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import (
    enter_pin,
    fill_step,
    open_staff_menu,
    press,
    read_information,
    sign_by_drawing,
    wait_for,
)


@pytest.fixture(scope="module")
def german_engine(tmp_path_factory):
    return Engine.load(german_clinic(tmp_path_factory.mktemp("german")))


def shown(widget) -> str:
    return str(widget.render())


def screen_text(screen) -> str:
    """Every word on a screen: its texts and its buttons' labels."""
    return "\n".join([shown(s) for s in screen.query(Static)] + [str(b.label) for b in screen.query(Button)])


def visible_words(screen) -> list[str]:
    """Every text a person sees on a screen: texts, labels, buttons and their tooltips, boxes' placeholders (not what
    is hidden)."""
    def shows(widget: Widget) -> bool:
        return all(getattr(node, "display", True) and getattr(node, "visible", True)
                   for node in widget.ancestors_with_self if isinstance(node, Widget))

    words = []
    for widget in screen.query("Static, Label, Button, Input").results(Widget):
        if not shows(widget):
            continue
        if isinstance(widget, Button):
            words += [str(widget.label), str(widget.tooltip or "")]
        elif isinstance(widget, Input):
            words.append(str(widget.placeholder or ""))
        elif isinstance(widget, Static | Label):
            words.append(str(widget.render()))
    return [w for w in words if w]


def assert_in_german(screen) -> None:
    """Fails naming every message of the wizard's own words shown in English on a German client's screen, and every
    button too narrow for its German label."""
    words = visible_words(screen)
    shown = [(message, text) for text in words for message, pattern in english_only() if pattern.search(text)]
    assert not shown, f"{type(screen).__name__} shows English words to a German client: {shown}"
    for button in screen.query(Button):
        if button.display and button.size.width:
            assert button.size.width >= len(str(button.label)) + 2, (type(screen).__name__, str(button.label))


async def german_screen(pilot, screen_type):
    """Waits for a client screen and checks that it speaks German (assert_in_german)."""
    screen = await wait_for(pilot, screen_type)
    await pilot.pause()
    assert_in_german(screen)
    return screen


def test_the_check_finds_an_english_word():
    """The check itself: a message's English found on a screen (alone, or its fixed part), and not inside a word."""
    assert any(p.search("Staff") for _, p in english_only())
    assert any(p.search("Too many wrong PINs. Try again in 30 seconds.") for _, p in english_only())
    assert not any(p.search("Personal") or p.search("Nur für das Personal (F9)") for _, p in english_only())


async def choose_german(pilot) -> WelcomeScreen:
    await pilot.app.wait_ready()
    welcome = await wait_for(pilot, WelcomeScreen)
    for _ in range(100):  # the language buttons join the screen once the clinic's settings are loaded
        if welcome.query(".language-button"):
            break
        await pilot.pause(0.01)
    assert [str(b.label) for b in welcome.query(".language-button")] == ["English", "Deutsch"]
    await press(pilot, "#language-de")
    await pilot.pause()
    return welcome


async def test_a_german_intake_through_the_wizard(german_engine, suitable_answers):
    app = build_app(german_engine, fake_renderer=True)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        welcome = await choose_german(pilot)
        questionnaire = german_engine.questionnaire
        about_you = {language: localize(questionnaire.steps[0].title, language) for language in ("en", "de")}
        assert about_you["en"] != about_you["de"]
        assert shown(welcome.query_one("#welcome-title")) == app.texts_in("de")["welcome"]["title"]
        assert str(welcome.query_one("#next-session", Button).label) == "Ich habe einen Folgetermin"
        for button in welcome.query(Button):  # every German word on its button, none cut off
            assert button.size.width >= len(str(button.label)) + 2, (str(button.label), button.size)
        assert shown(welcome.query_one("#welcome-status")) == "Drücken Sie die Eingabetaste, um zu beginnen."
        await pilot.pause()
        assert_in_german(welcome)
        await press(pilot, "#begin")
        step = await german_screen(pilot, StepScreen)
        assert app.session.language == "de" and app.session.staff_language == "en"
        assert f"Schritt 1 von {len(app.session.steps)}" in screen_text(step)
        assert about_you["de"] in screen_text(step)
        assert [str(step.query_one(f"#{b}", Button).label) for b in ("back", "next")] == ["Zurück", "Weiter"]

        # The date: the form to type in German letters (the clinic's order), and said back written out.
        birth = step.query_one("#q-date_of_birth", QuestionField)
        birth.focus_answer()
        await pilot.pause()
        assert "Geben Sie das Datum als TT/MM/JJJJ ein" in shown(step.query_one("#keys-hint"))
        await press(pilot, "#next")  # nothing answered: the core's messages, in German
        assert "Bitte beantworten Sie diese Frage." in screen_text(step)
        assert_in_german(step)
        assert "markierten Antworten unten an" in shown(step.query_one("#step-summary"))

        yes_no_seen = False
        for index in range(len(app.session.steps)):
            step = await fill_step(pilot, suitable_answers)
            assert step.index == index
            assert_in_german(step)
            field = next((f for f in step.query(QuestionField) if f.display and f.question.type == "yes_no"), None)
            if field is not None and not yes_no_seen:
                field.focus_answer()
                await pilot.pause()
                assert "J: Ja · N: Nein · Eingabetaste: nächste Frage" in shown(step.query_one("#keys-hint"))
                yes_no_seen = True
            await press(pilot, "#next")
        assert yes_no_seen

        review = await german_screen(pilot, ReviewScreen)
        words = screen_text(review)
        assert "Ihre Antworten prüfen" in words and "Meine Angaben sind richtig" in words
        assert long_date(date.fromisoformat(suitable_answers["date_of_birth"]), "de") in words
        assert "M: meine Angaben sind richtig" in shown(review.query_one("#keys-hint"))
        await pilot.press("m")  # the first letter of "Meine Angaben sind richtig"
        info = await german_screen(pilot, InformationScreen)
        assert "Über Ihre Behandlung" in screen_text(info)
        await read_information(pilot)
        consent = await german_screen(pilot, SignatureScreen)
        assert {"Unterschreiben", "Namen eingeben", "Zurück"} <= {str(b.label) for b in consent.query(Button)}
        await sign_by_drawing(pilot)
        if app.session.lifecycle.photo_uses(app.session.current) is not None:
            await german_screen(pilot, SignatureScreen)
            await sign_by_drawing(pilot)
        handback = await german_screen(pilot, HandbackScreen)
        assert "Bitte sagen Sie einer Mitarbeiterin oder einem Mitarbeiter Bescheid." in screen_text(handback)
        assert app.session.current.record["language"] == "de"
        stored = app.session.store.load_intake(app.session.current.intake_id)
        assert stored.record["language"] == "de"

        # The PIN over the client's screen speaks the client's language (a client who tapped Staff finds the way
        # back); the practitioner's screen stays in the clinic's language: the client's answers under English labels.
        await press(pilot, "#staff")
        pin = await german_screen(pilot, PinScreen)
        assert str(pin.query_one("#cancel", Button).label) == "Abbrechen"
        await enter_pin(pilot)
        practitioner = await wait_for(pilot, PractitionerScreen)
        staff_words = screen_text(practitioner)
        assert "Countersign and create documents" in staff_words and about_you["en"] in staff_words
        assert about_you["de"] not in staff_words

        # Staff close the review, then start the same client again as a returning one: in German, which they used.
        await press(pilot, "#close")
        await wait_for(pilot, WelcomeScreen)
        assert app.client_language == "en"  # the next client starts in the clinic's language
        await open_staff_menu(pilot)
        await press(pilot, "#returning")
        lookup = await wait_for(pilot, ReturningScreen)
        lookup.query_one("#returning-name").value = suitable_answers["full_name"]
        lookup.query_one("#returning-birth").value = show_date(suitable_answers["date_of_birth"], "DMY")
        await press(pilot, "#look-up")
        await press(pilot, "#start-found")
        step = await wait_for(pilot, StepScreen)
        assert app.session.language == "de" and "Schritt 1 von" in screen_text(step)


async def test_a_german_draft_walked_away_from_resumes_in_german_and_stops_kindly_in_german(german_engine):
    """A German client walks away after the first step: the privacy screen tells them in German; staff see the draft
    in the list as German and resume it; the client carries on in German, to a kind stop, in German too."""
    answers = copy.deepcopy(load_example("suitable")["answers"])
    answers["pregnant_or_breastfeeding"] = True
    app = build_app(german_engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await choose_german(pilot)
        await press(pilot, "#begin")
        await wait_for(pilot, StepScreen)
        await fill_step(pilot, answers)
        await press(pilot, "#next")
        await german_screen(pilot, StepScreen)
        app.idle_timeout = 0.2  # the client walks away
        privacy = await german_screen(pilot, PrivacyScreen)
        assert app.texts_in("de")["privacy"]["title"] in screen_text(privacy)
        app.idle_timeout = 600
        await pilot.press("enter")
        await wait_for(pilot, WelcomeScreen)
        assert app.client_language == "en"  # the next client chooses again

        menu = await open_staff_menu(pilot)
        [draft] = menu.drafts
        assert draft.languages == {"language": "de"}
        assert "· in German ·" in str(menu.query_one("#draft-0", Button).label)
        await press(pilot, "#draft-0")
        step = await german_screen(pilot, StepScreen)
        assert app.session.language == "de" and f"Schritt 2 von {len(app.session.steps)}" in screen_text(step)
        for _ in range(2):
            await fill_step(pilot, answers)
            await press(pilot, "#next")
        step = await wait_for(pilot, StepScreen)
        assert step.step.id == "health"
        await fill_step(pilot, {"pregnant_or_breastfeeding": True})
        assert_in_german(step)  # the kind stop's box, said at once
        await press(pilot, "#next")
        await german_screen(pilot, KindStopScreen)
        await press(pilot, "#staff")
        await german_screen(pilot, PinScreen)
        await enter_pin(pilot)
        await wait_for(pilot, StoppedScreen)  # the practitioner's: in the clinic's language
