"""A hint of several keys is broken into lines between its items, never between a key and what it does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from intake.tui.widgets.text import HINT_SEPARATOR, broken_between_items

REVIEW = "↑↓: answers · Enter: change one · Page Down: read on · M: my answers are true"


def test_the_reviews_hint_at_a_hundred_columns_keeps_my_answers_are_true_whole():
    # the hint's box is about 70 cells wide at 100 columns (between Staff and the button)
    assert broken_between_items(REVIEW, 70) == "↑↓: answers · Enter: change one · Page Down: read on ·\n" \
                                               "M: my answers are true"
    assert broken_between_items(REVIEW, 45) == "↑↓: answers · Enter: change one ·\n" \
                                               "Page Down: read on · M: my answers are true"
    assert broken_between_items(REVIEW, len(REVIEW)) == REVIEW
    assert broken_between_items(REVIEW, 0) == REVIEW  # not laid out yet


words = st.text(st.characters(categories=["L", "N", "P"], exclude_characters="·"), min_size=1, max_size=12)
items = st.lists(st.builds(lambda k, w: f"{k}: {w}", words, words), min_size=1, max_size=8)


@given(items, st.integers(min_value=1, max_value=120))
def test_lines_hold_whole_items_and_read_as_the_hint(parts, width):
    text = HINT_SEPARATOR.join(parts)
    broken = broken_between_items(text, width)
    assert broken.replace(" ·\n", HINT_SEPARATOR) == text  # the same words, in the same order
    lines = broken.split("\n")
    kept = [line.removesuffix(" ·") for line in lines]
    assert [item for line in kept for item in line.split(HINT_SEPARATOR)] == parts  # no item split
    for line in lines:  # a line wider than the box (its dot included) holds one item, wider on its own
        assert cell_len(line) <= width or HINT_SEPARATOR not in line.removesuffix(" ·")


async def test_the_hint_is_broken_for_the_width_it_is_drawn_at_and_again_when_that_changes():
    from textual.app import App, ComposeResult

    from intake.tui.widgets.text import KeysHint

    class Foot(App[None]):
        def compose(self) -> ComposeResult:
            yield KeysHint(id="keys-hint")

        def on_mount(self) -> None:
            self.query_one(KeysHint).show(REVIEW)

    app = Foot()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        hint = app.query_one(KeysHint)
        assert hint.hint == REVIEW
        assert str(hint.render()) == broken_between_items(REVIEW, 60) != REVIEW
        drawn = [strip.text.strip() for strip in hint.render_lines(hint.region.reset_offset)]
        assert drawn[:2] == ["↑↓: answers · Enter: change one · Page Down: read on ·", "M: my answers are true"]
        await pilot.resize_terminal(100, 5)
        await pilot.pause()
        assert str(hint.render()) == REVIEW  # wide enough: one line again
