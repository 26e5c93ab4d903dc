"""Provides one input widget per question TYPE, chosen from the questionnaire model (never per question id)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import DescendantBlur
from textual.message import Message
from textual.widgets import Input, Static, TextArea

from intake.choicekeys import chosen_by
from intake.datetyping import TYPING, how_to_type, read_date, show_date
from intake.questionnaire import Question, localize
from intake.tui.device import device_of
from intake.tui.widgets.textbox import TextBox
from intake.tui.widgets.tiles import ChoiceTile, rove
from intake.yesnokeys import keys_for


class QuestionField(Vertical):
    """A question's label, help text, answer widget, the answer said back, and problem line.

    Subclasses draw the answer for one question type and report changes through `_changed`. Enter
    (outside a long answer's box, where it makes a new line) asks to go on: it never chooses anything.
    """

    TYPE: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "go_on", "Next question", show=False)]
    #: The clinic's date order (set by the step screen; used by date answers).
    date_order: str = "DMY"

    class Changed(Message):
        """The answer changed."""

        def __init__(self, field: QuestionField) -> None:
            self.field = field
            super().__init__()

    class Left(Message):
        """Focus left the field: a good moment to check the answer."""

        def __init__(self, field: QuestionField) -> None:
            self.field = field
            super().__init__()

    class Done(Message):
        """The client asked to go on from this answer: Enter, or a key that answered a yes/no question or
        a statement (those go on by themselves).

        Attributes:
            enter: Enter was pressed (check the answer first: an unanswered or wrong one says what is needed).
        """

        def __init__(self, field: QuestionField, enter: bool = True) -> None:
            self.field = field
            self.enter = enter
            super().__init__()

    def __init__(self, question: Question, value: Any, language: str, word: Callable[[str], str],
                 keys: Sequence[str | None] = ()) -> None:
        super().__init__(id=f"q-{question.id}", classes=f"question q-{question.type}")
        self.question = question
        self.language = language
        self.word = word
        self.keys: tuple[str | None, ...] = tuple(keys)
        self.value: Any = value
        self.has_problem = False
        #: the answer as said back under the question ('You said: Eczema · ...'), when it carries a finding
        self.echoed: str | None = None

    @property
    def question_id(self) -> str:
        """The id of the question this field answers."""
        return self.question.id

    def compose(self) -> ComposeResult:
        yield Static(self.heading(), classes="q-label")
        yield from self.compose_answer()
        yield Static("", classes="q-echo")

    def heading(self) -> Content:
        """The question in bold and its help text below it, both literal."""
        label = Content.styled(localize(self.question.label, self.language), "bold")
        if not self.question.help:
            return label
        return Content.assemble(label, "\n", Content(localize(self.question.help, self.language)))

    def compose_answer(self) -> ComposeResult:
        """Yields the widgets that take the answer; each question type draws its own."""
        yield from ()

    def show_problem(self, message: str | None) -> None:
        """Shows (or clears) the core's message for this answer, literally."""
        self.has_problem = bool(message)
        self.set_class(self.has_problem, "-invalid")
        found = self.query(".q-problem")
        if found:
            found.first(Static).update(Content(message or ""))
        elif message:
            self.mount(Static(Content(message), classes="q-problem"))

    def show_echo(self, text: str | None) -> None:
        """Says the answer back under the question (an answer that carries a finding), or clears it."""
        if text == self.echoed:
            return
        self.echoed = text
        self.query_one(".q-echo", Static).update(Content(text or ""))
        self.set_class(text is not None, "-echoed")

    def own_problem(self) -> str | None:
        """A problem the widget found with what was typed (shown instead of the core's message), or None."""
        return None

    def focus_answer(self, scroll: bool = True) -> None:
        """Puts the keyboard focus on the answer (for options: the chosen one, or the first).

        Args:
            scroll: bring the answer into view (the caller may show the whole question instead).
        """
        for widget in self.query("Input, TextArea, ChoiceTile"):
            if widget.focusable:
                widget.focus(scroll_visible=scroll)
                return

    @property
    def answered(self) -> bool:
        """True when the question has an answer."""
        return self.value is not None and self.value != "" and self.value != []

    def action_go_on(self) -> None:
        """Enter: asks the step to go on to the next question (or to Next, after the last one)."""
        self.post_message(self.Done(self))

    def _changed(self, value: Any) -> None:
        self.value = value
        self.post_message(self.Changed(self))

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self.post_message(self.Left(self))


def _text_value(text: str) -> str | None:
    return text.strip() or None


class TextField(QuestionField):
    """A one-line text answer."""

    TYPE = "text"
    PLACEHOLDER = ""
    RESTRICT: str | None = None

    def compose_answer(self) -> ComposeResult:
        yield TextBox(value=self.value or "", placeholder=self.PLACEHOLDER, restrict=self.RESTRICT,
                      max_length=self.question.max_length or 0, select_on_focus=False, classes="q-input")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed(self.read(event.value))

    def read(self, typed: str) -> Any:
        """The answer for what is in the box."""
        return _text_value(typed)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_go_on()


class DateField(TextField):
    """A date answer, typed the way the clinic's country writes dates (e.g. 10/04/1992), stored as YYYY-MM-DD.

    `date_order` is the clinic's order ('DMY', 'MDY' or 'YMD'); the core reads what was typed
    (`intake.datetyping`) and a date it cannot read gets a message that echoes the text typed.
    """

    TYPE = "date"
    typed_problem: str | None = None

    def compose_answer(self) -> ComposeResult:
        yield TextBox(value=show_date(self.value, self.date_order),
                      placeholder=how_to_type(self.date_order, self.language), restrict=TYPING, max_length=24,
                      select_on_focus=False, classes="q-input q-date-input")

    def read(self, typed: str) -> Any:
        found = read_date(typed, self.date_order, self.language)
        self.typed_problem = found.problem
        # What cannot be read stays as typed, so the step cannot go on with it.
        return found.iso if found.problem is None else typed.strip()

    def show_echo(self, text: str | None) -> None:
        """Says the answer back under the question (an answer that carries a finding), or clears it."""
        if text == self.echoed:
            return
        self.echoed = text
        self.query_one(".q-echo", Static).update(Content(text or ""))
        self.set_class(text is not None, "-echoed")

    def own_problem(self) -> str | None:
        return self.typed_problem


class LongTextField(QuestionField):
    """A longer free-text answer over several lines."""

    TYPE = "long_text"

    def compose_answer(self) -> ComposeResult:
        yield TextArea(self.value or "", soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                       classes="q-textarea")
        yield Static(Content(device_of(self.app).long_text), classes="q-help q-leave")

    @on(TextArea.Changed)
    def _area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed(_text_value(event.text_area.text))


class _TileField(QuestionField):
    """A question answered by pressing tiles: Space, the key shown on a tile, a tap or a click.

    Enter never chooses (it goes on: see StepScreen). Answered from the keyboard, a question with one
    answer to give (yes/no, a statement) goes on to the next question by itself (`GOES_ON`).
    """

    MARK = "plain"
    MULTIPLE = False
    GOES_ON = False

    def options(self) -> list[tuple[str, Any]]:
        """(label, value) for each tile."""
        return [(localize(o.label, self.language), o.id) for o in self.question.options]

    def is_chosen(self, value: Any, answer: Any = ...) -> bool:
        """Whether a tile's value is part of an answer (by default the current one)."""
        answer = self.value if answer is ... else answer
        if self.MULTIPLE:
            return isinstance(answer, list) and value in answer
        return answer == value and isinstance(answer, bool) == isinstance(value, bool)

    def compose_answer(self) -> ComposeResult:
        keys = list(self.keys) + [None] * (len(self.options()) - len(self.keys))
        with Vertical(classes="q-tiles"):
            for (label, value), key in zip(self.options(), keys, strict=False):
                yield ChoiceTile(label, value, mark=self.MARK, selected=self.is_chosen(value), key=self.shown_key(key))

    def on_mount(self) -> None:
        rove(list(self.query(ChoiceTile)))  # the options are one Tab stop; arrow keys move between them

    def shown_key(self, key: str | None) -> str:
        """The key drawn on an option: at a keyboard (a tablet's client taps; a key still works if one is typed)."""
        return "" if key is None or device_of(self.app).touch else key

    def option_for(self, character: str | None) -> int | None:
        """The index of the option a typed character chooses (the key shown on it), or None."""
        return chosen_by(self.keys, character)

    def on_key(self, event: events.Key) -> None:
        """The key shown on an option chooses it (ticks or unticks it, for several), from anywhere in the field."""
        index = self.option_for(event.character)
        tiles = list(self.query(ChoiceTile))
        if index is None or index >= len(tiles) or self.disabled:
            return
        event.stop()
        event.prevent_default()
        self._press(tiles[index], keyboard=True)

    @on(ChoiceTile.Pressed)
    def _tile_pressed(self, event: ChoiceTile.Pressed) -> None:
        event.stop()
        self._press(event.tile, event.keyboard)

    def _press(self, tile: ChoiceTile, keyboard: bool) -> None:
        self.choose(tile, keyboard)
        if keyboard and self.GOES_ON and self.value is not None:  # (a statement unticked stays)
            self.post_message(self.Done(self, enter=False))

    def choose(self, tile: ChoiceTile, keyboard: bool = False) -> None:
        """Updates the answer for a pressed tile: one choice, or a choice ticked or unticked
        (`Question.toggle`: "None of these" clears the others and back)."""
        new: Any = self.question.toggle(self.value, tile.value) if self.MULTIPLE else tile.value
        tiles = list(self.query(ChoiceTile))
        for each in tiles:
            each.selected = self.is_chosen(each.value, new)
        if keyboard or self.app.focused in tiles:  # the keyboard follows the choice made
            tile.can_focus = True
            tile.focus()
            rove(tiles, tile)
        self._changed(new)


class YesNoField(_TileField):
    """A yes/no answer as two large tiles side by side; a key answers it from the keyboard and goes on.

    The keys are the first letters of the language's Yes and No (`intake.yesnokeys`), with Y and N
    where they do not clash; they are shown on the tiles.
    """

    TYPE = "yes_no"
    MARK = "radio"
    GOES_ON = True

    def __init__(self, question: Question, value: Any, language: str, word: Callable[[str], str],
                 keys: Sequence[str | None] = ()) -> None:
        super().__init__(question, value, language, word, keys)
        self.yes_no = keys_for(word("yes"), word("no"))
        self.keys = self.yes_no.shown

    def option_for(self, character: str | None) -> int | None:
        answer = self.yes_no.answer(character)
        return None if answer is None else 0 if answer else 1

    def options(self) -> list[tuple[str, Any]]:
        return [(self.word("yes"), True), (self.word("no"), False)]

    def compose_answer(self) -> ComposeResult:
        with Horizontal(classes="q-tiles q-yes-no"):
            for (label, value), key in zip(self.options(), self.keys, strict=True):
                yield ChoiceTile(label, value, mark=self.MARK, selected=self.is_chosen(value), key=self.shown_key(key))


class ChoiceField(_TileField):
    """One choice out of several."""

    TYPE = "choice"
    MARK = "radio"


class MultiChoiceField(_TileField):
    """Any number of choices; choosing none leaves the question unanswered."""

    TYPE = "multi_choice"
    MARK = "check"
    MULTIPLE = True


class AcknowledgementField(_TileField):
    """A statement the client confirms by ticking it (Space, a tap or a click); pressing again unticks it."""

    TYPE = "acknowledgement"
    MARK = "check"
    GOES_ON = True

    def options(self) -> list[tuple[str, Any]]:
        return [("I confirm", True)]

    def compose(self) -> ComposeResult:
        # The statement is the label of the tile itself, so the whole statement is the target.
        if self.question.help:
            yield Static(Content(localize(self.question.help, self.language)), classes="q-help")
        yield ChoiceTile(localize(self.question.label, self.language), True, mark="check",
                         selected=self.value is True, classes="-statement")
        yield Static("", classes="q-echo")

    def option_for(self, character: str | None) -> int | None:
        return None  # no letter: Space ticks it

    def choose(self, tile: ChoiceTile, keyboard: bool = False) -> None:
        """Ticks or unticks the statement."""
        new = None if self.value is True else True
        tile.selected = new is True
        self._changed(new)


FIELD_TYPES: dict[str, type[QuestionField]] = {
    cls.TYPE: cls
    for cls in (TextField, DateField, LongTextField, YesNoField, ChoiceField, MultiChoiceField,
                AcknowledgementField)
}


def make_field(question: Question, value: Any, language: str, word: Callable[[str], str],
               keys: Sequence[str | None] = ()) -> QuestionField:
    """The field widget for a question, chosen by its type.

    Args:
        keys: the key shown on each option (`intake.choicekeys.question_keys`); a yes/no field takes the
            keys of the language's Yes and No itself.
    """
    return FIELD_TYPES[question.type](question, value, language, word, keys)
