"""Provides the device the wizard is used on and its words: keys at a terminal, taps on a tablet.

Every client screen says how to go on in the words of the device in use: "press Enter" at a
terminal, "tap" on a tablet (the wizard served by `intake serve`, `WebIntakeApp`). The words are
defined here once; screens pick the one for what has the focus (`Device.step_hint` and the rest).
"""

from __future__ import annotations

__all__ = ["KEYBOARD", "N_", "TOUCH", "Device", "DeviceKind", "StepFocus", "device_of", "words_of"]

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Literal

from intake.i18n import N_, intake_words

DeviceKind = Literal["keyboard", "touch"]
#: What has the focus on a step screen, for the hint: a question's type, or a button.
StepFocus = Literal["yes_no", "choice", "multi_choice", "acknowledgement", "text", "date", "long_text", "next",
                    "back", "stopped", "none"]


@dataclass(frozen=True)
class Device:
    """The words one kind of device gets on the client's screens.

    Attributes:
        kind: 'keyboard' (a terminal: keys are named) or 'touch' (a tablet's browser: taps and scrolling).
        step: the hint at the foot of a step for what has the focus ({yes} and {no}: the yes/no keys,
            {yes_word} and {no_word}: Yes and No in the client's language, {form}: how to type a date,
            {next}: the label of the button that goes on).
        long_text: the line under a long answer's box: how to leave it (Enter there makes a new line).
        change: how to change an answer said back to the client, by question type ({other}: the key of
            the other yes/no answer).
        welcome: the line under Start; welcome_waiting: the same once Start was pressed before the wizard
            was ready (the press is kept).
        kind_stop: the box shown once an answer means the practitioner will talk with the client.
        review: the hint at the foot of the review ({key}: the key that says "My answers are true").
        read_more, read_done: the information screen's hint before and after it has been read to its end.
        sign_draw: how to sign on the pad; sign_missing: what to do when Sign was pressed with nothing drawn;
            sign_typed: the hint while the name is typed, by what has the focus ('name', 'intent', 'sign').
        privacy: how to leave the privacy screen.
        hand_back: what the client does once they have finished (after the hand-back and kind-stop messages).
    """

    kind: DeviceKind
    step: dict[str, str]
    long_text: str
    change: dict[str, str]
    welcome: str
    welcome_waiting: str
    kind_stop: str
    review: str
    read_more: str
    read_done: str
    sign_draw: str
    sign_missing: str
    sign_typed: dict[str, str]
    privacy: str
    hand_back: str

    def in_language(self, language: str) -> Device:
        """The same words in a language (the "intake" catalogue); itself in English."""
        if language.split("-")[0] == "en":
            return self
        gettext = intake_words(language).gettext
        changes: dict[str, object] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "kind":
                continue
            changes[field.name] = ({k: gettext(v) for k, v in value.items()} if isinstance(value, dict)
                                   else gettext(value))
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def touch(self) -> bool:
        """True on a tablet (taps), False at a terminal (keys)."""
        return self.kind == "touch"

    def step_hint(self, focus: StepFocus, *, yes: tuple[str, str] = ("Y", "Yes"), no: tuple[str, str] = ("N", "No"),
                  form: str = "DD/MM/YYYY", next_label: str = "Next") -> str:
        """The hint at the foot of a step for what has the focus.

        Args:
            yes, no: the key and the word of each yes/no answer in the client's language, e.g. ('J', 'Ja').
        """
        text = self.step.get(focus) or self.step["none"]
        return text.format(yes=yes[0], yes_word=yes[1], no=no[0], no_word=no[1], form=form, next=next_label)

    def change_hint(self, question_type: str, *, other: str = "") -> str:
        """How to change an answer said back under its question ('press N to change', 'tap to change')."""
        text = self.change.get(question_type) or self.change["other"]
        return text.format(other=other)


KEYBOARD = Device(
    kind="keyboard",
    step={
        "yes_no": N_("{yes}: {yes_word} · {no}: {no_word} · Enter: next question"),
        "choice": N_("Press the letter or number of your answer · Enter: next question"),
        "multi_choice": N_("Press the letter or number of each answer (again to untick) · Enter: next question"),
        "acknowledgement": N_("Space: tick to agree"),
        "text": N_("Type your answer · Enter: next question"),
        "date": N_("Type the date as {form} · Enter: next question"),
        "long_text": N_("Tab: next question · Enter: a new line"),
        "next": N_("Enter: {next}"),
        "back": N_("Enter: go back a step"),
        "stopped": N_("Enter: {next}"),
        "none": N_("Tab: next question"),
    },
    long_text=N_("When you have finished, press Tab to go on (Enter starts a new line)."),
    change={
        "yes_no": N_("press {other} to change"),
        "choice": N_("press another answer's letter or number to change"),
        "multi_choice": N_("press an answer's letter or number again to untick it"),
        "acknowledgement": N_("press Space to untick"),
        "other": N_("change it in the box"),
    },
    welcome=N_("Press Enter to start."),
    welcome_waiting=N_("Starting… your form opens in a moment."),
    kind_stop=N_("Thank you for telling us. You do not need to answer the rest: press Enter for Next, and the "
               "practitioner will talk with you."),
    review=N_("↑↓: answers · Enter: change one · Page Down: read on · {key}: my answers are true"),
    read_more=N_("Please read to the end (↓, Page Down or End) to continue."),
    read_done=N_("Read to the end: Enter goes on."),
    sign_draw=N_("Draw your signature in the box with the mouse, or press Enter to type your name instead."),
    sign_missing=N_("Please draw your signature in the box with the mouse, or choose Type my name."),
    sign_typed={
        "name": N_("Press Enter when you have typed it."),
        "intent": N_("Space: tick the statement."),
        "sign": N_("Enter: Sign."),
        "other": N_("Tab: next."),
    },
    privacy=N_("Press Enter to continue."),
    hand_back=N_("Please let a member of staff know."),
)

TOUCH = Device(
    kind="touch",
    step={
        "long_text": N_("Tap Next, or the next question, when you have finished"),
        "stopped": N_("Tap {next}"),
        "none": N_("Tap your answers, then {next} · scroll for more"),
    },
    long_text=N_("When you have finished, tap the next question or Next."),
    change={
        "yes_no": N_("tap to change"),
        "choice": N_("tap to change"),
        "multi_choice": N_("tap again to untick"),
        "acknowledgement": N_("tap again to untick"),
        "other": N_("change it in the box"),
    },
    welcome=N_("Tap Start to begin."),
    welcome_waiting=N_("Starting… your form opens in a moment."),
    kind_stop=N_("Thank you for telling us. You do not need to answer the rest: tap Next, and the practitioner "
               "will talk with you."),
    review=N_("Tap an answer or Change to correct it · scroll for more"),
    read_more=N_("Please scroll to the end to continue."),
    read_done=N_("Read to the end: tap I have read this."),
    sign_draw=N_("Use your finger."),
    sign_missing=N_("Please sign in the box with your finger, or tap Type my name."),
    sign_typed={"other": N_("Type your full name, tick the statement, then tap Sign.")},
    privacy=N_("Tap anywhere to continue."),
    hand_back=N_("Please hand the tablet back to a member of staff."),
)


def device_of(app: object, language: str | None = None) -> Device:
    """The device an app is used on (`IntakeApp.device`) in the words of `language`, else the client's
    (`IntakeApp.client_language`); the keyboard's for any other app."""
    device = getattr(app, "device", None)
    device = device if isinstance(device, Device) else KEYBOARD
    language = language or getattr(app, "client_language", None)
    return device.in_language(language) if isinstance(language, str) else device


def words_of(app: object) -> Callable[[str], str]:
    """The wizard's own words in the client's language (`IntakeApp.client_language`): gettext of the 'intake'
    catalogue, English for any other app."""
    language = getattr(app, "client_language", None)
    return intake_words(language if isinstance(language, str) else "en").gettext
