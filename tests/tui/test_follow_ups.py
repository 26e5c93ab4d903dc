"""Follow-up questions that appear below the fold scroll into view; the photo consent's context is laid out."""

from __future__ import annotations

from intake.tui.screens.signature import SignatureScreen
from intake.tui.widgets.tiles import ChoiceTile
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import sign_by_drawing, wait_for
from tests.tui.test_keys import _to_step
from tests.tui.test_snapshots import to_signature


async def test_a_follow_up_below_the_fold_scrolls_into_view(engine, suitable_answers):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await _to_step(pilot, suitable_answers, "health")
        body = step.query_one("#step-body")
        follow_up = step.query_one("#q-blood_thinner_type")
        thinners = step.query_one("#q-blood_thinners")
        thinners.focus_answer()
        await pilot.pause()
        # the question sits on the last rows of the screen, so whatever follows it is below the fold
        body.scroll_to(y=thinners.virtual_region.bottom - body.content_region.height, animate=False, immediate=True)
        await pilot.pause()
        assert not follow_up.display and body.content_region.contains_region(thinners.region)
        yes = next(t for t in thinners.query(ChoiceTile) if t.value is True)
        yes.action_press()
        for _ in range(50):
            await pilot.pause(0.01)
            if follow_up.display and body.content_region.contains_region(follow_up.query_one(".q-label").region):
                break
        assert follow_up.display
        assert body.content_region.contains_region(follow_up.query_one(".q-label").region)  # in view, not below


async def test_the_photo_consents_you_chose_line_is_laid_out_like_the_statement(engine):
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        await to_signature(pilot)
        await sign_by_drawing(pilot)
        photo = await wait_for(pilot, SignatureScreen)
        await pilot.pause()
        context, statement = photo.query_one("#sig-context"), photo.query_one("#sig-statement")
        assert str(context.render()).startswith("You chose:")
        assert context.region.x == statement.region.x >= 2 and context.region.bottom <= statement.region.y
