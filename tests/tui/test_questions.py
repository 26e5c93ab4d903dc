"""Questions come from the questionnaire data: widgets by type, live conditions, the core's messages."""

from __future__ import annotations

import json
import shutil

from textual.widgets import Input, TextArea

from intake.config import load_config
from intake.engine import Engine
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR
from intake.questionnaire import QUESTION_TYPES
from intake.records import create_data_key
from intake.tui.screens.review import AnswerRow, ReviewScreen
from intake.tui.screens.step import StepScreen
from intake.tui.widgets.questions import FIELD_TYPES
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import fill_step, press, wait_for
from tests.tui.test_kiosk import begin


def test_every_question_type_has_a_widget():
    assert set(FIELD_TYPES) == set(QUESTION_TYPES)


def engine_with_extra_questions(tmp_path) -> Engine:
    """The demo clinic with two questions added to the first step in its own schemas folder."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    data = json.loads((schemas / "questionnaire.json").read_text(encoding="utf-8"))
    data["steps"][0]["questions"][1:1] = [
        {"id": "has_tattoo", "type": "yes_no", "required": True,
         "label": {"en": "Do you have a tattoo in the area?", "de": "Haben Sie dort ein Tattoo?"},
         "help": {"en": "Tattoo [ink] counts.", "de": "Tattoo [Tinte] zählt."}},
        {"id": "tattoo_where", "type": "long_text", "required": True, "max_length": 20,
         "label": {"en": "Where is the tattoo?", "de": "Wo ist das Tattoo?"},
         "show_if": {"question": "has_tattoo", "equals": True}},
    ]
    (schemas / "questionnaire.json").write_text(json.dumps(data), encoding="utf-8")
    config = tmp_path / "clinic.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8") + f'\n[paths]\nschemas = "{schemas}"\n',
                      encoding="utf-8")
    loaded = load_config(config)
    create_data_key(loaded)  # not the demo clinic, so no key is made on the fly
    return Engine.load(loaded)


async def test_a_question_added_to_the_data_appears_with_its_condition_and_validation(tmp_path):
    engine = engine_with_extra_questions(tmp_path)
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        tattoo, where = step.query_one("#q-has_tattoo"), step.query_one("#q-tattoo_where")
        assert "Tattoo [ink] counts." in str(tattoo.query_one(".q-label").render())
        assert [t.label for t in tattoo.query(ChoiceTile)] == ["Yes", "No"]
        assert not where.display and isinstance(where.query_one(TextArea), TextArea)
        next(t for t in tattoo.query(ChoiceTile) if t.value is True).action_press()
        await pilot.pause()
        assert where.display
        await fill_step(pilot, {"tattoo_where": "Left cheek, near the ear lobe"})
        where.query_one(TextArea).focus()
        await pilot.pause()
        await pilot.press("shift+tab")  # leaving the field checks it
        await pilot.pause()
        assert "Too long: 29 characters; at most 20 are allowed." in str(where.query_one(".q-problem").render())
        next(t for t in tattoo.query(ChoiceTile) if t.value is False).action_press()
        await pilot.pause()
        assert not where.display and not where.has_problem


async def test_next_is_blocked_until_the_step_is_valid_and_shows_every_problem(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        await fill_step(pilot, {"full_name": "Ann Lee", "date_of_birth": "2030-01-01", "phone": "call me"})
        await press(pilot, "#next")
        assert app.screen is step
        problems = {f.question_id: str(f.query_one(".q-problem").render())
                    for f in step.query(".question") if f.has_problem}
        assert problems["date_of_birth"].startswith("2030-01-01 is after the consultation date (2026-11-20)")
        assert problems["phone"].startswith("Write the phone number with digits")
        assert problems["emergency_contact_name"] == "This question needs an answer."
        assert "full_name" not in problems and "email" not in problems  # optional, unanswered
        assert "Please look at the" in str(step.query_one("#step-summary").render())
        assert app.focused is step.query_one("#q-date_of_birth Input", Input)  # the first problem


async def test_choosing_options_and_confirming_statements(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await begin(pilot)
        for _ in range(6):
            await fill_step(pilot, suitable_answers)
            await press(pilot, "#next")
        step = await wait_for(pilot, StepScreen)
        assert step.step.id == "consent"
        uses = step.query_one("#q-photo_uses")
        assert not uses.display
        await pilot.click("#q-photo_consent ChoiceTile")  # "Yes", by mouse
        assert uses.display
        tiles = list(uses.query(ChoiceTile))
        await pilot.click(tiles[2])
        await pilot.click(tiles[0])
        assert step.working["photo_uses"] == ["record", "marketing"]  # in the questionnaire's order
        await pilot.click(tiles[2])
        assert step.working["photo_uses"] == ["record"]
        ack = step.query_one("#q-ack_results_vary ChoiceTile")
        ack.focus()
        await pilot.press("space")
        await pilot.pause()
        assert step.working["ack_results_vary"] is True and ack.selected
        assert app.focused is step.query_one("#q-ack_aftercare ChoiceTile")  # ticked: on to the next statement
        await pilot.press("shift+tab", "space")  # Space toggles
        await pilot.pause()
        assert step.working["ack_results_vary"] is None and not ack.selected and app.focused is ack
        await pilot.press("enter")  # Enter never ticks: it says what is needed, and stays
        await pilot.pause()
        assert step.working["ack_results_vary"] is None and not ack.selected and app.focused is ack
        assert "Please confirm this statement" in str(step.query_one("#q-ack_results_vary .q-problem").render())
        await pilot.press("space")
        await pilot.pause()
        assert step.working["ack_results_vary"] is True and "ack_aftercare" not in step.working
        assert app.focused is step.query_one("#q-ack_aftercare ChoiceTile")  # ticked, and on to the next


async def test_free_text_with_markup_is_shown_literally_on_the_review(engine, suitable_answers):
    suitable_answers["goals"] = "[b]Smoother[/b] skin [link=https://example.com]here[/link] [red"
    app = build_app(engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await begin(pilot)
        for _ in range(len(app.session.steps)):
            await fill_step(pilot, suitable_answers)
            await press(pilot, "#next")
        review = await wait_for(pilot, ReviewScreen)
        rows = [row for row in review.query(AnswerRow) if row.question_id == "goals"]
        shown = rows[0].render()
        assert suitable_answers["goals"] in shown.plain and not shown.spans[1:]  # only the label is bold
