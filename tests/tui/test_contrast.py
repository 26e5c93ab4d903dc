"""Contrast at WCAG AA, measured on the wizard as drawn (tests/tui/contrast.py), in its theme and the light one."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.tui.contrast import AA_NON_TEXT, AA_TEXT, THEMES, collect, measure, ratio, table


def test_the_ratio_is_wcags():
    assert ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert ratio((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # the known AA grey


class _Sample(App):
    CSS = """
    Screen { background: #ffffff; }
    #faint { color: #959595; background: #ffffff; }
    #half { color: #76767680; background: #ffffff; }
    #ring { border: double #959595; background: #ffffff; height: 3; }
    """

    def compose(self) -> ComposeResult:
        yield Static("faint text", id="faint")
        yield Static("half see-through text", id="half")
        yield Static("in a ring", id="ring")


async def test_the_measure_reads_the_drawn_colours_with_alpha_blended():
    app = _Sample()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        faint = measure("test", "faint", app.query_one("#faint"))
        assert faint.text == pytest.approx(ratio((0x95, 0x95, 0x95), (255, 255, 255)), abs=0.01)
        assert faint.text < AA_TEXT and not faint.passes
        half = measure("test", "half", app.query_one("#half"))
        assert half.text == pytest.approx(ratio((0xBA, 0xBA, 0xBA), (255, 255, 255)), abs=0.05)  # 50 % over white
        ring = measure("test", "ring", app.query_one("#ring"), line=True)
        assert ring.line is not None and ring.line < AA_NON_TEXT and not ring.passes


@pytest.mark.slow
async def test_every_state_the_client_sees_meets_aa_in_each_theme():
    found = await collect()
    failing = [m for m in found if not m.passes]
    assert not failing, "\n" + table(found)
    assert {m.theme for m in found} == set(THEMES)
    by_theme = {t: [m for m in found if m.theme == t] for t in THEMES}
    assert len({len(v) for v in by_theme.values()}) == 1  # the same states in each theme
    measured = [m for m in found if not m.exempt]
    assert all(m.text is not None or m.line is not None for m in measured)  # each sample drew something
    rings = [m for m in measured if "ring" in m.what]
    assert len(rings) >= 4 * len(THEMES) and all(m.line is not None for m in rings)
