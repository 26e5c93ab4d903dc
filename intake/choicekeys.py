"""Provides the keys that choose a question's options: one definition for every front end.

A key is shown on each option and chooses it (it never moves on by itself): the option's first letter
when no other option of the question starts with the same letter, else a digit, 1 for the first such
option, 2 for the next, up to 9. "No" is N wherever it is unique, so a client who answers "n" to a
yes/no question also answers "No" to "Do you take isotretinoin?" Yes/no questions take the keys of
the language's Yes and No (`intake.yesnokeys`); a statement to confirm has no letter (Space ticks it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from intake.questionnaire import Question, Questionnaire, localize
from intake.yesnokeys import first_letter, yes_no_keys

DIGITS = "123456789"


def option_keys(labels: Sequence[str], reserved: Collection[str] = ()) -> tuple[str | None, ...]:
    """The key for each option label, in order: a lower-case letter or a digit, None when none is left.

    Args:
        labels: the options' labels as shown, in order.
        reserved: keys the front end uses for something else (lower case); never given to an option.
    """
    firsts = [first_letter(label) for label in labels]
    counts = Counter(firsts)
    digits = iter(d for d in DIGITS if d not in reserved)
    keys: list[str | None] = []
    for letter in firsts:
        if letter is not None and counts[letter] == 1 and letter not in reserved and letter not in DIGITS:
            keys.append(letter)
        else:
            keys.append(next(digits, None))
    return tuple(keys)


def question_keys(questionnaire: Questionnaire, question: Question, language: str,
                  reserved: Collection[str] = ()) -> tuple[str | None, ...]:
    """The keys for a question's options as a front end offers them (yes/no: Yes then No).

    Returns:
        One key per option of a choice or multi-choice question, two for a yes/no question (Yes, No),
        and none for other types.
    """
    if question.type == "yes_no":
        keys = yes_no_keys(questionnaire, language)
        return keys.yes[0], keys.no[0]
    if question.type in ("choice", "multi_choice"):
        return option_keys([localize(o.label, language) for o in question.options], reserved)
    return ()


def chosen_by(keys: Sequence[str | None], character: str | None) -> int | None:
    """The index of the option a typed character chooses (either case), or None."""
    if not character:
        return None
    folded = character.casefold()
    return next((i for i, key in enumerate(keys) if key is not None and key.casefold() == folded), None)
