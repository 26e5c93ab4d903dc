"""Provides message catalogues and dates in a language: one definition for the front ends and the documents.

Catalogues are gettext `.po` files read with Babel when first needed (nothing compiled is kept in the source tree):
``<folder>/<language>/LC_MESSAGES/<domain>.po``. The source language is English; English needs no catalogue.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from intake.errors import DataFileError, FileProblem

#: The language the texts are written in.
SOURCE_LANGUAGE = "en"
#: The wizard's and `intake ask`'s own words (domain "intake").
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def locale_for(language: str) -> Locale:
    """The Babel locale of a language code such as 'de' or 'en-US' (English without a region is British)."""
    code = language.replace("-", "_")
    if code == "en":
        code = "en_GB"
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError) as error:
        raise DataFileError(Path(language), [FileProblem("language", f"{language!r} is not a known language",
                                                         "use a code such as 'en', 'de' or 'en-US'")]) from error


def N_(message: str) -> str:  # noqa: N802 - gettext's marker name, which Babel's extractor knows
    """Marks a message for a catalogue without translating it here (it is translated where it is shown)."""
    return message


def language_name(language: str, named_in: str | None = None) -> str:
    """A language named in itself, as a client looks for it: 'English', 'Deutsch'; or named in another language,
    as staff read it ('de' named in 'en': 'German')."""
    code = language.replace("-", "_")
    try:
        shown_in = Locale.parse(named_in.replace("-", "_")) if named_in else None
        name = Locale.parse(code).get_display_name(shown_in) or language
    except (UnknownLocaleError, ValueError):
        return language
    return name[:1].upper() + name[1:]


def language_name_in(language: str, reader: str) -> str:
    """A language named in another's words, as a reader of `reader` knows it: 'Urdu' in English, 'Urdu' in German."""
    try:
        name = Locale.parse(language.replace("-", "_")).get_display_name(locale_for(reader)) or language
    except (UnknownLocaleError, ValueError, DataFileError):
        return language
    return name[:1].upper() + name[1:]


def documents_note(documents_language: str, reader: str) -> str:
    """What staff are told of a client's documents in another language than their screens: 'Documents will be in
    Urdu' (staff words are the clinic's, English in the code; the language is named in the reader's words)."""
    return f"Documents will be in {language_name_in(documents_language, reader)}"


@functools.cache  # asked for each finding of each assessment, and each hint: the files are looked for once
def intake_words(language: str) -> NullTranslations:
    """The wizard's and `intake ask`'s own words (and the core's messages to clients) in a language.

    A language intake has no catalogue for (a clinic's own, its questionnaire texts added by the clinic) gets the
    English words rather than no screen at all; the languages intake ships (intake/locale) have every word
    (tests/unit/test_catalogue.py)."""
    for code in dict.fromkeys((language, language.replace("_", "-").split("-")[0])):  # 'de-AT', then 'de'
        if catalogue_path(LOCALE_DIR, "intake", code).is_file():
            return translations(LOCALE_DIR, "intake", code)
    return NullTranslations()


def catalogue_path(folder: Path, domain: str, language: str) -> Path:
    """Where the catalogue of a domain in a language lives."""
    return folder / language.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def translations(folder: Path, domain: str, language: str) -> NullTranslations:
    """The messages of a domain in a language; English (the source) translates to itself.

    Fuzzy entries are not used. A missing catalogue is an error naming the file: a language the clinic offers must
    have every text (`intake check` names any that are missing).
    """
    if language.split("-")[0] == SOURCE_LANGUAGE:
        return NullTranslations()
    path = catalogue_path(folder, domain, language)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale_for(language), domain=domain, ignore_obsolete=True)
    except OSError as error:
        raise DataFileError(path, [FileProblem("(file)", f"cannot read the catalogue: {error.strerror}",
                                               f"add the {language!r} catalogue or stop offering {language!r}")]) \
            from error
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def text_direction(language: str) -> str:
    """How a language is written: "rtl" (Urdu, Arabic, Hebrew, Persian) or "ltr" (CLDR's character order)."""
    return "rtl" if locale_for(language).character_order == "right-to-left" else "ltr"


def isolated(text: str, language: str) -> str:
    """Left-to-right text (a time, a phone number, an id, a figure) kept whole and in its order inside a
    right-to-left language's sentence: wrapped in a left-to-right isolate and marks (U+2066 U+200E ... U+200E
    U+2069), which keep a leading '+' or a trailing unit with it. Right-to-left text, and any text in a
    left-to-right language, is left as it is."""
    if text_direction(language) != "rtl" or _first_strong(text) == "rtl":
        return text
    return f"\u2066\u200e{text}\u200e\u2069"


def _first_strong(text: str) -> str | None:
    """The direction of a text's first strong character: "rtl", "ltr", or None (digits and signs only)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


def long_date(day: date, language: str) -> str:
    """A day written out for a reader of the language: '20 November 2026', '20. November 2026'."""
    return format_date(day, format="long", locale=locale_for(language))


def weekday_date(day: date, language: str) -> str:
    """A day with its weekday: 'Friday 20 November 2026', 'Freitag, 20. November 2026'."""
    locale = locale_for(language)
    if str(locale) == "en_GB":  # CLDR's full British form has a comma and "the": keep the house style
        return format_date(day, format="EEEE d MMMM y", locale=locale)
    return format_date(day, format="full", locale=locale)


def decimal(value: float, language: str, *, pattern: str = "0.0#") -> str:
    """A number as the language writes it: '0.5' in English, '0,5' in German (by default one or two decimals)."""
    return format_decimal(value, format=pattern, locale=locale_for(language))


#: The time units a duration may be given in (as the rules and treatment defaults name them).
DURATION_UNITS = {"hours": "duration-hour", "days": "duration-day", "weeks": "duration-week",
                  "months": "duration-month", "years": "duration-year"}


@functools.lru_cache(maxsize=1024)  # the assessment words its windows on every run
def duration(amount: float, unit: str, language: str) -> str:
    """An amount of time in words: '1 week', '6 months'; '1 Woche', '6 Monate'.

    Args:
        amount: how many (whole numbers are written without decimals).
        unit: "hours", "days", "weeks", "months" or "years".
        language: the reader's language code.
    """
    number = int(amount) if float(amount).is_integer() else amount
    return format_unit(number, DURATION_UNITS[unit], length="long", locale=locale_for(language))
