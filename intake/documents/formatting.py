"""Provides the Jinja2 filters that format dates, times, depths, durations and fingerprints for documents, each in
the language of the document being rendered."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from intake import i18n
from intake.i18n import SOURCE_LANGUAGE


def millimetres(value: float, language: str = SOURCE_LANGUAGE) -> str:
    """A needle depth: 0.25, 0.5, 1.0, 1.25 (at least one decimal; 0,5 in German)."""
    return i18n.decimal(value, language)


def depth_range(low: float, high: float, language: str = SOURCE_LANGUAGE) -> str:
    """A depth range such as '0.5–1.0 mm', or '0.25 mm' when both ends agree."""
    if low == high:
        return f"{millimetres(low, language)} mm"
    return f"{millimetres(low, language)}–{millimetres(high, language)} mm"


def number_range(values: Sequence[float], unit: str, language: str = SOURCE_LANGUAGE) -> str:
    """A range such as '2–3 days' or '6–12 months' ('1 day' when both ends agree; '2–3 Tage')."""
    low, high = values
    if low == high:
        return i18n.duration(low, unit, language)
    return f"{i18n.decimal(low, language, pattern='0.#')}–{i18n.duration(high, unit, language)}"


def direction(text: str) -> str:
    """The writing direction of a piece of client text from its first strong character: "rtl" or "ltr".

    WeasyPrint does not implement dir="auto", so templates set dir from this (Arabic, Urdu, Hebrew ... read
    right to left).
    """
    for char in str(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def groups(text: str, size: int = 8) -> str:
    """A long hexadecimal fingerprint in groups, easy to read aloud and to compare."""
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def make_filters(zone: ZoneInfo, language: Callable[[], str] = lambda: SOURCE_LANGUAGE) \
        -> dict[str, Callable[..., Any]]:
    """The filters for one clinic time zone, writing in the language `language()` gives at each call (the
    document being rendered; English by default)."""

    def clinic_time(moment: datetime) -> str:
        local, words = moment.astimezone(zone), language()
        return f"{i18n.long_date(local.date(), words)}, {i18n.isolated(f'{local:%H:%M} {local.tzname()}', words)}"

    def utc_time(moment: datetime) -> str:
        return i18n.isolated(f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC", language())

    def both_times(moment: datetime) -> str:
        return f"{clinic_time(moment)} ({utc_time(moment)})"

    def long_date(day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(zone).date()
        return i18n.long_date(day, language())

    def weekday_date(day: date) -> str:
        return i18n.weekday_date(day, language())

    return {
        "clinic_time": clinic_time,
        "utc_time": utc_time,
        "both_times": both_times,
        "long_date": long_date,
        "weekday_date": weekday_date,
        "mm": lambda value: millimetres(value, language()),
        "depth_range": lambda area: depth_range(area.depth_min, area.depth_max, language()),
        "days": lambda values: number_range(values, "days", language()),
        "months": lambda values: number_range(values, "months", language()),
        "weeks": lambda amount: i18n.duration(int(amount), "weeks", language()),
        "groups": groups,
        "direction": direction,
        "language_direction": i18n.text_direction,
        "isolated": lambda text: i18n.isolated(str(text), language()),
    }
