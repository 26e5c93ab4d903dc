"""The practitioner's review shows the whole consultation before the countersignature."""

from __future__ import annotations

import copy

from textual.widgets import Static

from intake.tui.screens.practitioner import PractitionerScreen
from intake.tui.widgets.consultation import ConsultationView
from tests.conftest import load_example
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for
from tests.tui.test_flow import client_part


async def test_every_answer_is_shown_by_step_with_findings_marked_and_text_literal(engine):
    answers = copy.deepcopy(load_example("caution")["answers"])
    answers["goals"] = "Less [b]redness[/b] & [link=x]shine[/link]"
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, answers)
        screen = await wait_for(pilot, PractitionerScreen)
        view = screen.query_one(ConsultationView)
        findings = app.session.state.assessment.findings
        texts = [str(w.render()) for w in view.query(".consult-answer").results(Static)]
        visible = engine.questionnaire.visible(app.session.state.answers)
        assert len(texts) == len(visible)
        goals = next(t for t in texts if "Less" in t)
        assert "Less [b]redness[/b] & [link=x]shine[/link]" in goals  # as typed, never read as markup
        flagged = list(view.query(".consult-answer.-flagged").results(Static))
        behind = {f.question_id for f in findings if f.question_id}
        assert behind and len(flagged) == len(behind)
        assert all("⚑" in str(w.render()) for w in flagged)  # marked without colour too
        steps = [str(w.render()) for w in view.query(".consult-step").results(Static)]
        assert [s.split(" · ")[0] for s in steps] == [s.title for s in view.steps]
        # the countersignature tick comes after the answers; the body reads from the top, by keys
        tick = screen.query_one("#countersign-ack")
        assert tick.virtual_region.y >= view.virtual_region.bottom
        body = screen.query_one("#practitioner-body")
        assert screen.focused is body and body.scroll_y == 0
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y > 0


async def test_a_client_without_findings_still_shows_every_answer(engine, suitable_answers):
    app = build_app(engine, fake_renderer=True)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await client_part(pilot, suitable_answers)
        screen = await wait_for(pilot, PractitionerScreen)
        text = " ".join(str(w.render()) for w in screen.query(ConsultationView).first().query(Static))
        for needle in ("Maria Okonkwo-Smith", "Smoother skin on my forehead and cheeks.", "Fine lines",
                       "Forehead", "Husband"):
            assert needle in text
        assert not screen.query(".consult-answer.-flagged")
