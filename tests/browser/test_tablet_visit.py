"""A returning client's next session on a tablet, in headless Chromium through `intake serve`: the welcome's "I'm
here for my next session", their name and date of birth typed on the on-screen keyboard the field asks for, the hand
to staff, who start it with the PIN pad, the re-screen (a first treatment: nothing asked about healing), and what
staff see behind the PIN. (The step screens themselves are the consultation's, walked in test_tablet.py.)"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Served
from tests.browser.tablet import LANDSCAPE, Tablet
from tests.browser.test_tablet import shot
from tests.tui.test_visit import _demo_course


@pytest.fixture(scope="module")
def course_server(tmp_path_factory):
    """The demo clinic with Maria Okonkwo-Smith's countersigned consultation, served."""
    folder = tmp_path_factory.mktemp("course")
    _demo_course(folder)
    server = Served(folder)
    yield server
    server.stop()


def test_the_next_session_from_the_welcome_to_the_hand_to_staff(browser, course_server):
    tablet = Tablet(browser, course_server.url, LANDSCAPE)
    tablet.open()
    tablet.wait_for("I'm here for my next session")
    tablet.tap("I'm here for my next session")
    tablet.wait_for("Your next session", "Full name")
    tablet.tap("Full name")
    tablet.inputmode("text", autocapitalize="words", autocorrect="off")  # a name: no dictionary "correcting" it
    tablet.type("Maria Okonkwo-Smith")
    tablet.wait_for("Maria Okonkwo-Smith")
    tablet.tap("Date of birth")
    tablet.inputmode("text", autocapitalize="none", autocorrect="off")  # a full keyboard: the / is on it
    tablet.type("14/03/1988")
    tablet.wait_for("14/03/1988")
    shot(tablet, "next-session")
    tablet.tap("Continue")
    asked = tablet.wait_for("Please ask a member of staff to start your session")
    assert "Maria" not in asked  # the client is not told whose course was found
    shot(tablet, "next-session-ask-staff")
    tablet.tap("Staff: continue")
    tablet.enter_pin()
    tablet.wait_for("Session 1 of the course consented on", "starts now")
    tablet.tap("Start the session and hand over", last=True)
    # the first treatment (none on the consultation day): only whether anything changed, never how the skin healed
    asked = tablet.wait_for("Since your last visit", "Nothing has changed since 20 November 2026")
    assert "Step 1 of 1" in asked and "healed" not in asked and "redness" not in asked
    shot(tablet, "next-session-rescreen")
    tablet.tap("Nothing has changed since 20 November 2026")
    tablet.tap("Next", last=True)
    # what comes of it depends on the day the test runs (the suite runs at month ends and leap days too): the demo's
    # consent of 20 November 2026 covers sessions for 12 months, then the client consents again
    expired = consent_expired_today()
    tablet.wait_for("Before today's session" if expired else "Your practitioner will see you")
    tablet.tap("Staff: continue")
    tablet.enter_pin()
    outcome = tablet.wait_for(*(("A new consent is needed before today's session",) if expired else
                                ("Ready for today's session", "Treatment record")))
    shot(tablet, "next-session-outcome")
    assert "Session 1" in outcome and ("Treatment record" not in outcome) == expired


def consent_expired_today() -> bool:
    """Whether the demo clinic's consent of 20 November 2026 has run out today, in the clinic's own time zone."""
    from datetime import date, datetime

    from intake.config import load_config
    from intake.dates import add_months

    config = load_config(None)
    today = datetime.now(config.timezone).date()
    return today > add_months(date(2026, 11, 20), config.consent_valid_months)
