"""Provides keyed answers at plain prompts: every option shows its key, and only a typed key chooses it.

A client types the key shown before an option (`n) No  1) Yes, I still take them`) and presses
Enter. Enter alone never chooses: it asks again with a plain hint saying what to type. A list to
tick takes one or more keys on a line (each ticks or unticks its option) and Enter on an empty line
when done. An earlier answer (a returning client's, or one given before in this intake) is offered
as `k) keep: <answer>`, chosen by its key like any other option. The keys are the wizard's
(`intake.choicekeys`); nothing here draws or reads a terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from intake.choicekeys import option_keys, question_keys
from intake.i18n import intake_words
from intake.questionnaire import Question, Questionnaire, localize
from intake.yesnokeys import yes_no_keys

#: The key that keeps an earlier answer: k, or 0 where an option already answers to k.
KEEP_KEYS = ("k", "0")
#: Labels up to this long are named in a hint ("Type y for Yes or n for No").
SHORT_LABEL = 16
#: How much of a typed text a hint repeats back.
SHOWN_TYPED = 24


@dataclass(frozen=True)
class Keyed:
    """One option as offered at a plain prompt.

    Attributes:
        key: what the client types to choose it (shown before the label, e.g. "n" in "n) No").
        value: what choosing it records (an option id, True/False, or an earlier answer kept).
        label: the option's words.
        keep: True for the option that keeps an earlier answer.
    """

    key: str
    value: Any
    label: str
    keep: bool = False


def _spare_keys(keys: Sequence[str | None]) -> list[str]:
    """The keys as given, with two-digit keys (10, 11...) for options the wizard's keys ran out for."""
    spare = (str(n) for n in range(10, 100))
    return [key if key is not None else next(spare) for key in keys]


def question_options(questionnaire: Questionnaire, question: Question, language: str) -> list[Keyed]:
    """The options of a question with their keys: yes/no (and a statement to confirm) Yes then No, else its options."""
    if question.type in ("yes_no", "acknowledgement"):
        return yes_no(questionnaire, language)
    keys = _spare_keys(question_keys(questionnaire, question, language))
    return [Keyed(key, option.id, localize(option.label, language))
            for key, option in zip(keys, question.options, strict=True)]


def labelled(choices: Sequence[tuple[Any, str]]) -> list[Keyed]:
    """Options for a choice that is not a question (the review, staff actions), keyed like a question's."""
    keys = _spare_keys(option_keys([label for _, label in choices]))
    return [Keyed(key, value, label) for key, (value, label) in zip(keys, choices, strict=True)]


def yes_no(questionnaire: Questionnaire, language: str) -> list[Keyed]:
    """Yes (True) and No (False) with the language's keys, for a question asked by the session itself."""
    keys = yes_no_keys(questionnaire, language)
    return [Keyed(keys.yes[0], True, questionnaire.word("yes", language)),
            Keyed(keys.no[0], False, questionnaire.word("no", language))]


def keep_key(taken: Iterable[str]) -> str:
    """The key for keeping an earlier answer: the first of KEEP_KEYS that no option uses."""
    used = {key.casefold() for key in taken}
    return next(key for key in KEEP_KEYS if key not in used)


def with_keep(options: Sequence[Keyed], value: Any, shown: str, language: str = "en") -> list[Keyed]:
    """The options and, first, the one that keeps an earlier answer ("k) keep: No")."""
    label = intake_words(language).gettext("keep: {answer}").format(answer=shown)
    return [Keyed(keep_key(o.key for o in options), value, label, keep=True), *options]


def key_list(options: Sequence[Keyed], language: str = "en") -> str:
    """The keys in words: 'y or n', 'n, 1 or 2'."""
    keys = [o.key for o in options]
    if len(keys) == 1:
        return keys[0]
    return intake_words(language).gettext("{keys} or {last}").format(keys=", ".join(keys[:-1]), last=keys[-1])


def typed_back(typed: str) -> str:
    """What was typed, as a hint repeats it: printable characters only, and not too long."""
    text = "".join(c if c.isprintable() else "?" for c in typed.strip())
    return text if len(text) <= SHOWN_TYPED else text[:SHOWN_TYPED] + "…"


def how_to_choose(options: Sequence[Keyed], language: str = "en") -> str:
    """The plain hint for a single choice: which keys to type, then Enter."""
    _ = intake_words(language).gettext
    if len(options) == 2 and all(len(o.label) <= SHORT_LABEL and "," not in o.label for o in options):
        first, second = options
        return _("Type {first_key} for {first} or {second_key} for {second}, then press Enter.").format(
            first_key=first.key, first=first.label, second_key=second.key, second=second.label)
    return _("Type the key shown before your answer ({keys}), then press Enter.").format(
        keys=key_list(options, language))


def read_choice(options: Sequence[Keyed], typed: str, language: str = "en") -> Keyed | str:
    """The option a typed line chooses, or the hint to show when it chooses none (Enter alone never chooses)."""
    _ = intake_words(language).gettext
    text = typed.strip()
    if not text:
        return " ".join((_("Nothing is chosen yet."), how_to_choose(options, language)))
    found = next((o for o in options if o.key.casefold() == text.casefold()), None)
    if found is not None:
        return found
    return " ".join((_("“{typed}” is not one of the keys.").format(typed=typed_back(text)),
                     how_to_choose(options, language)))


def how_to_tick(options: Sequence[Keyed], language: str = "en") -> str:
    """The plain hint for a list to tick."""
    return intake_words(language).gettext(
        "Type the key of each one that applies ({keys}), with spaces between, then press Enter. Press Enter on an "
        "empty line when you are done.").format(keys=key_list([o for o in options if not o.keep], language))


def read_ticks(options: Sequence[Keyed], typed: str, language: str = "en") -> list[Keyed] | str:
    """The options a typed line ticks or unticks (keys with spaces or commas between), or the hint to show.

    Nothing is ticked when any part of the line is not a key; the keep option stands alone.
    """
    _ = intake_words(language).gettext
    tokens = [t for t in re.split(r"[\s,;]+", typed.strip()) if t]
    if not tokens:
        return how_to_tick(options, language)
    by_key = {o.key.casefold(): o for o in options}
    unknown = [t for t in tokens if t.casefold() not in by_key]
    if unknown:
        wrong = _("“{typed}” is not one of the keys; nothing was ticked.").format(typed=typed_back(unknown[0]))
        return f"{wrong} {how_to_tick(options, language)}"
    chosen = [by_key[t.casefold()] for t in tokens]
    keep = next((o for o in chosen if o.keep), None)
    if keep is not None and len(chosen) > 1:
        alone = _("Type {key} on its own to keep your answer; nothing was ticked.").format(key=keep.key)
        return f"{alone} {how_to_tick(options, language)}"
    return chosen
