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
