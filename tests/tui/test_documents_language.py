"""Documents in a language the terminal does not draw (#26 item 6): the client presses "Documents in Urdu" on the
welcome screen, answers in English, and the practitioner reads "Documents will be in Urdu" on the review."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Button, Static

from intake.config import load_config
from intake.engine import Engine
from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import press, wait_for
from tests.tui.test_flow import client_part


@pytest.fixture(scope="module")
def urdu_documents_engine():
    """The demo clinic offering Urdu for the documents alone."""
    config = load_config(None)
    return Engine.load(replace(config, data={**config.data, "clinic": {**config.clinic, "documents_only": ["ur"]}}))


async def test_documents_in_urdu_chosen_on_the_welcome_screen(urdu_documents_engine, suitable_answers):
    app = build_app(urdu_documents_engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await app.wait_ready()
        welcome = await wait_for(pilot, WelcomeScreen)
        for _ in range(100):  # the buttons join the screen once the clinic's settings are loaded
            if welcome.query("#documents-ur"):
                break
            await pilot.pause(0.01)
        button = welcome.query_one("#documents-ur", Button)
        assert str(button.label) == "Documents in Urdu" and not welcome.query(".language-button")
        assert button.size.width >= len(str(button.label)) + 2  # the whole label shows
        await press(pilot, "#documents-ur")
        assert app.chosen_documents_language == "ur" and button.variant == "success"  # lit up
        await press(pilot, "#documents-ur")  # pressed again: the documents follow the screens
        assert app.chosen_documents_language is None and button.variant == "default"
        await press(pilot, "#documents-ur")
        await client_part(pilot, suitable_answers)
        assert app.session.language == "en"
        assert app.session.current.record["documents_language"] == "ur"
        practitioner = await wait_for(pilot, PractitionerScreen)
        assert str(practitioner.query_one("#documents-language", Static).render()) == "Documents will be in Urdu"
