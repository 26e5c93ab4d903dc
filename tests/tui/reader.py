"""A first-time client who reads the screen and presses only what it says (for Pilot walks and the keys bench).

The reader knows nothing of widget ids: it reads the screen as drawn (each row's characters and their
underlines), finds where the keyboard is (the double-line ring), which question that is (its words, as
the client reads them), the hint the screen gives and the keys shown on the options, and presses the key
the hint names for the answer it means to give (examples/suitable.json's, say). Every key that changes
nothing on the screen is counted as wasted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.pilot import Pilot

from intake.questionnaire import Question, localize
from intake.tui.device import device_of

#: Characters of a button's or a box's edge, and of the double-line ring round where the keyboard is.
EDGES = "▔▁"
RING_TOP = "╔"
#: What is drawn round words (edges, rings, scroll bars, the marks of options): not read as words.
_DRAWN = re.compile(r"[▁▂▃▄▅▆▇█▔▊▎▏║╔╗╚╝═╭╮╰╯─│]|\[ \]|\[✓\]|\( \)|\(●\)")


def words(row: str) -> str:
    """The words on a row, without what is drawn round them."""
    return " ".join(_DRAWN.sub(" ", row).split())


@dataclass
class Screen:
    """The screen as drawn: its rows, and the underlined cells of each row."""

    rows: list[str]
    underlined: list[set[int]]

    @property
    def text(self) -> str:
        """Everything above the navigation bar, as one line of words (wrapped lines joined)."""
        return " ".join(" ".join(row.replace("▔", " ").replace("▁", " ").split()) for row in self.rows[:-3])

    @property
    def hint(self) -> str:
        """The words between the buttons of the bottom bar (its widest stretch without a button's edge)."""
        bar = self.rows[-3:]
        width = min(len(row) for row in bar)
        free = [all(row[c] not in EDGES for row in (bar[0], bar[2])) for c in range(width)]
        best, start = (0, 0), None
        for column, ok in enumerate([*free, False]):
            if ok and start is None:
                start = column
            elif not ok and start is not None:
                best = max(best, (start, column), key=lambda span: span[1] - span[0])
                start = None
        return " ".join(" ".join(row[best[0]:best[1]].split()) for row in bar).strip()

    def ring(self) -> int | None:
        """The row where the ring round the focused answer begins, if one shows."""
        return next((i for i, row in enumerate(self.rows) if RING_TOP in row), None)

    def key_on(self, label: str) -> str | None:
        """The key shown on the option that reads `label`: its underlined letter, or the '(1)' after it."""
        anchor = label[:30]
        for number, row in enumerate(self.rows):
            at = row.find(anchor)
            if at < 0:
                continue
            for column in sorted(self.underlined[number]):
                if at <= column < at + len(label):
                    return row[column]
            found = re.search(r"\((\w)\)", row[at + len(anchor):])
            if found:
                return found.group(1)
        return None


def read(pilot: Pilot) -> Screen:
    """The screen as the client sees it now."""
    strips = pilot.app.screen._compositor.render_strips()
    rows, underlined = [], []
    for strip in strips:
        text, marks = "", set()
        for segment in strip:
            if segment.style is not None and segment.style.underline:
                marks.update(range(len(text), len(text) + len(segment.text)))
            text += segment.text
        rows.append(text)
        underlined.append(marks)
    return Screen(rows, underlined)


@dataclass
class Reader:
    """The client: their answers by question, what they typed and pressed, and the keys that changed nothing.

    Args:
        pilot: the wizard.
        questions: the questionnaire's questions in the client's language (how they recognise each one).
        answers: what they mean to answer.
        name: their name, as they sign.
    """

    pilot: Pilot
    questions: list[Question]
    answers: Mapping[str, Any]
    name: str
    language: str = "en"
    typed: int = 0
    other: int = 0
    wasted: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    _current: Question | None = None

    def _now(self) -> tuple[list[str], object]:
        return read(self.pilot).rows, self.pilot.app.focused

    async def press(self, *keys: str, command: bool = False) -> None:
        """Presses keys one by one; each one must change what the screen shows (or where the keyboard is).

        Args:
            command: a letter that is no answer (e.g. the review's "My answers are true"): counted with the
                other keys, not as typed.
        """
        for key in keys:
            before = self._now()
            await self.pilot.press(key)
            await self.pilot.pause()
            if len(key) == 1 and key.isprintable() and not command:
                self.typed += 1
            else:
                self.other += 1
            if self._now() == before:
                self.wasted.append(key)

    async def type(self, text: str) -> None:
        """Types text character by character, each one counted as typed (a space is the space bar); the text
        as a whole must show (a trailing space alone shows nothing until the next letter)."""
        before = self._now()
        for character in text:
            await self.pilot.press("space" if character == " " else character)
            self.typed += 1
        await self.pilot.pause()
        if self._now() == before:
            self.wasted.append(text)

    def _question_on(self, row: str) -> Question | None:
        said = words(row)
        if len(said) < 8:
            return None
        return next((q for q in self.questions if localize(q.label, self.language).startswith(said[:40])), None)

    def focused_question(self, screen: Screen) -> tuple[Question | None, list[str]]:
        """The question round whose answer the ring is (the nearest question words above it, or inside it for a
        statement; the one being answered when its words have scrolled out of view), and its rows on screen."""
        ring = screen.ring()
        if ring is None:
            return None, []
        start = 0
        for row in range(min(ring + 1, len(screen.rows) - 1), -1, -1):
            found = self._question_on(screen.rows[row])
            if found is not None:
                self._current, start = found, row
                break
        end = next((r for r in range(ring + 2, len(screen.rows) - 3) if self._question_on(screen.rows[r])),
                   len(screen.rows) - 3)
        return self._current, screen.rows[start:end]

    async def step(self) -> bool:
        """Reads the screen and does what it says once; False when the client has finished (hand back)."""
        screen = read(self.pilot)
        text, hint = screen.text, screen.hint
        self.seen.append(hint or text[:80])
        if device_of(self.pilot.app).hand_back in " ".join(text.split()):  # the hand-back or the kind stop's thank-you
            return False
        if "Press Enter to start" in text:
            await self.press("enter")
        elif (found := re.search(r"(\S): my answers are true", hint)) is not None:
            await self.press(found.group(1).lower(), command=True)
        elif (found := re.search(r"read to the end \(([^)]*)\)", hint)) is not None:
            await self.press(found.group(1).split(" or ")[-1].strip().lower())  # End: the nearest way to the end
        elif any(said in hint for said in ("Enter goes on", "Enter: Next", "Enter: Save")) or any(
                said in text for said in ("Enter: Sign", "press Enter to type your name instead")):
            await self.press("enter")
        elif "Press Enter when you have typed it" in text:
            await self.type(self.name)
            await self.press("enter")
        elif "Space: tick the statement" in text:
            await self.press("space")
        else:
            await self.answer(screen, hint)
        return True

    async def answer(self, screen: Screen, hint: str) -> None:
        """Answers the question where the keyboard is, as the hint says."""
        question, rows = self.focused_question(screen)
        for _ in range(40):  # the keyboard moved below the view and the view has not scrolled to it yet: look again
            if question is not None:
                break
            await self.pilot.pause(0.025)
            screen = read(self.pilot)
            question, rows = self.focused_question(screen)
        if question is None:
            raise AssertionError(f"nothing to do: the hint says {hint!r}; the screen:\n" + "\n".join(screen.rows))
        wanted = self.answers.get(question.id)
        ring = screen.ring() or 0
        box = screen.rows[ring + 1] if ring + 1 < len(screen.rows) else ""
        if (found := re.search(r"(\S): (\S+) · (\S): (\S+) · Enter", hint)) is not None:
            yes_key, yes_word, no_key, no_word = found.groups()
            shown = yes_word if wanted else no_word
            if f"(●) {shown}" in " ".join(rows):
                await self.press("enter")
            else:
                await self.press((yes_key if wanted else no_key).lower())
        elif "Press the letter or number of" in hint:
            await self.choose(screen, rows, question, wanted)
        elif "Space: tick to agree" in hint:
            await self.press("space" if wanted and "[✓]" not in box else "enter")
        elif (found := re.search(r"Type the date as (\S+)", hint)) is not None:
            typed = _date_as(found.group(1), wanted)
            await (self.press("enter") if typed in box else self.type_then(typed, "enter"))
        elif "Type your answer" in hint or "Tab: next question" in hint:
            leave = "enter" if "Type your answer" in hint else "tab"  # (a long answer: Enter is a new line)
            if wanted is None or str(wanted)[:20] in box:
                await self.press(leave)
            else:
                await self.type_then(str(wanted), leave)
        else:
            raise AssertionError(f"a hint the client cannot follow: {hint!r}")

    async def type_then(self, text: str, key: str) -> None:
        await self.type(text)
        await self.press(key)

    async def choose(self, screen: Screen, rows: list[str], question: Question, wanted: Any) -> None:
        """The key shown on the next option to choose (or tick), read on screen; Enter once all are chosen."""
        wanted_ids = wanted if isinstance(wanted, list) else [wanted]
        shown = " ".join(rows)
        for option in question.options:
            label = localize(option.label, self.language)
            chosen = f"(●) {label[:30]}" in shown or f"[✓] {label[:30]}" in shown
            if option.id in wanted_ids and not chosen:
                key = screen.key_on(label)
                if key is None:
                    raise AssertionError(f"no key shown for {label!r}:\n" + "\n".join(screen.rows))
                await self.press(key.lower())
                return
        await self.press("enter")


def _date_as(form: str, iso: str) -> str:
    """An ISO date typed in the form shown (DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD)."""
    year, month, day = iso.split("-")
    return form.replace("YYYY", year).replace("MM", month).replace("DD", day)


async def walk(reader: Reader, limit: int = 600) -> None:
    """The client reads and presses until the screen says they have finished (what to do next, as the device says)."""
    for _ in range(limit):
        if not await reader.step():
            return
    raise AssertionError(f"the client did not finish in {limit} screens; last hints: {reader.seen[-5:]}")
