"""Provides the keys that answer a yes/no question in the client's language: the first letters of its Yes and No.

A German client presses J (Ja) or N (Nein), a French one O (Oui) or N (Non). Y and N still answer
too, unless they would mean the other answer in that language (Swahili's Yes is "Ndiyo", so there N
means Yes and only Y is left for it; No is then "H" for "Hapana"). When Yes and No begin with the
same letter, neither letter is used and the keys are Y and N.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.questionnaire import Questionnaire


@dataclass(frozen=True)
class YesNoKeys:
    """The keys answering yes/no questions.

    Attributes:
        yes: the keys (single characters, lower case) that answer Yes, the language's own first.
        no: the keys that answer No, the language's own first.
    """

    yes: tuple[str, ...]
    no: tuple[str, ...]

    @property
    def shown(self) -> tuple[str, str]:
        """The letters to show for Yes and No (upper case), e.g. ('J', 'N')."""
        return _upper(self.yes[0]), _upper(self.no[0])

    @property
    def hint(self) -> str:
        """The keys as shown on screen, e.g. 'J/N'."""
        return "/".join(self.shown)

    def answer(self, character: str | None) -> bool | None:
        """True or False for a typed character that answers (either case), None for any other."""
        for answer in (True, False):
            if character in self.binding_keys(answer).split(","):
                return answer
        return None

    def binding_keys(self, answer: bool) -> str:
        """The keys for one answer as a Textual key list ('j,J,y,Y'): both cases, so Shift and Caps Lock work."""
        keys = self.yes if answer else self.no
        return ",".join(dict.fromkeys(k for key in keys for k in (key, _upper(key))))


def _lower(character: str) -> str:
    """One character in lower case (kept as it is where lower case is not one character, e.g. 'İ')."""
    lowered = character.lower()
    return lowered if len(lowered) == 1 else character


def _upper(character: str) -> str:
    """One character in upper case (kept as it is where upper case is not one character, e.g. 'ß')."""
    raised = character.upper()
    return raised if len(raised) == 1 else character


def first_letter(label: str) -> str | None:
    """The first letter of a label, lower case (skipping spaces and marks), or None when it has none."""
    return next((_lower(c) for c in label if c.isalpha()), None)


def keys_for(yes_label: str, no_label: str) -> YesNoKeys:
    """The keys for a language whose Yes and No read `yes_label` and `no_label`."""
    yes, no = first_letter(yes_label), first_letter(no_label)
    if yes is None or no is None or yes == no:  # no letter, or one letter for both: it would answer neither
        yes = no = None
    yes_keys = [k for k in (yes, "y") if k is not None and k != no]
    no_keys = [k for k in (no, "n") if k is not None and k != yes]
    return YesNoKeys(tuple(dict.fromkeys(yes_keys)), tuple(dict.fromkeys(no_keys)))


def yes_no_keys(questionnaire: Questionnaire, language: str) -> YesNoKeys:
    """The keys for the questionnaire's Yes and No words in a language."""
    return keys_for(questionnaire.word("yes", language), questionnaire.word("no", language))
