"""A first-time client walks a clean healthy intake by reading each screen's hint and pressing only what it says.

The client (tests/tui/reader.py) knows no widget ids: it reads the screen, finds where the keyboard is
and which question that is, and presses the key the hint names for its answer (examples/suitable.json,
allowing photos for the record). No key may be wasted (every key changes what the screen shows), and the
record kept holds exactly what the client chose.
"""

from __future__ import annotations

import pytest

from intake.tui.screens.handback import HandbackScreen
from intake.tui.screens.welcome import WelcomeScreen
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for
from tests.tui.reader import Reader, walk


@pytest.mark.slow
@pytest.mark.parametrize("size", sorted(SIZES))
async def test_a_first_time_client_follows_the_hints_with_no_wasted_key(engine, size):
    answers = load_example("suitable")["answers"]
    app = build_app(engine, kiosk=True, fake_renderer=True)
    async with app.run_test(size=SIZES[size]) as pilot:
        await app.wait_ready()
        await wait_for(pilot, WelcomeScreen)
        client = Reader(pilot, list(engine.questionnaire.questions()), answers, answers["full_name"])
        await walk(client)
        await wait_for(pilot, HandbackScreen)
        intake_id = app.session.state.intake_id
        assert client.wasted == [], client.wasted
        assert client.other <= 45, (client.other, client.seen)
        signatures = app.session.state.client_signature, app.session.state.photo_signature
    view = app.session.store.load_intake(intake_id)
    assert view.status == "submitted" and view.answers == answers  # exactly what was chosen, nothing else
    assert all(s is not None and s.method == "typed" and s.name == answers["full_name"] for s in signatures)
