"""The review from the keyboard: it opens on the first answer, ↑↓ and Page keys move, Enter changes the answer it is
on, and one key, shown, says "My answers are true"; dates read back as the client typed them."""

from __future__ import annotations

from textual.widgets import Button, Input

from intake.tui.device import TOUCH
from intake.tui.screens.information import InformationScreen
from intake.tui.screens.review import CONFIRM_KEY, AnswerRow, ReviewScreen
from intake.tui.screens.step import StepScreen
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for
from tests.tui.running import client_at_review


async def _to_review(pilot, answers) -> ReviewScreen:
    """The client's answers saved step by step through the session (tests/tui/test_flow.py walks the steps)."""
    return await client_at_review(pilot, answers)


def _row(review: ReviewScreen, question_id: str) -> AnswerRow:
    return next(r for r in review.query(AnswerRow) if r.question_id == question_id)


async def test_the_review_opens_on_the_first_answer_and_one_shown_key_says_they_are_true(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        review = await _to_review(pilot, suitable_answers)
        rows = list(review.query(AnswerRow))
        assert app.focused is rows[0] and review.query_one("#review-body").scroll_y == 0
        await pilot.press("down", "down", "up")
        assert app.focused is rows[1]
        await pilot.press("pagedown")  # a screenful on: the focus on an answer now in view
        await pilot.pause()
        body = review.query_one("#review-body")
        assert body.scroll_y > 0 and app.focused in rows[2:]
        assert body.content_region.contains_region(app.focused.region)
        label = review.query_one("#confirm", Button).label
        assert label.plain == "My answers are true" and any("underline" in str(s.style) for s in label.spans)
        assert f"{CONFIRM_KEY.upper()}: my answers are true" in str(review.query_one("#keys-hint").render())
        await pilot.press(CONFIRM_KEY)
        await wait_for(pilot, InformationScreen)


async def test_enter_on_an_answer_opens_it_to_change_and_the_date_reads_as_typed(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        review = await _to_review(pilot, suitable_answers)
        row = _row(review, "date_of_birth")
        assert "14/03/1988" in row.render().plain and "1988-03-14" not in row.render().plain  # DD/MM/YYYY here
        row.focus()
        await pilot.press("enter")
        step = await wait_for(pilot, StepScreen)
        box = step.query_one("#q-date_of_birth Input", Input)
        assert step.editing and app.focused is box and box.value == "14/03/1988"
        box.value = ""
        await pilot.press(*"14.5.1988", "enter")
        step.query_one("#next", Button).press()  # "Save and return"
        review = await wait_for(pilot, ReviewScreen)
        assert "14/05/1988" in _row(review, "date_of_birth").render().plain
        assert app.session.state.answers["date_of_birth"] == "1988-05-14"


async def test_on_a_tablet_the_review_marks_no_key_and_no_answer(engine, suitable_answers):
    app = build_app(engine)
    app.device = TOUCH
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        review = await _to_review(pilot, suitable_answers)
        label = review.query_one("#confirm", Button).label
        assert label.plain == "My answers are true" and not label.spans  # no key drawn on it
        assert app.focused is None or not isinstance(app.focused, AnswerRow)
        await pilot.click(_row(review, "phone"))  # a tap on an answer opens it to change
        step = await wait_for(pilot, StepScreen)
        assert step.editing and step.step.id == "about_you"
