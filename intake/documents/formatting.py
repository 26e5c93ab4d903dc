"""Provides the Jinja2 filters that format dates, times, depths and fingerprints for documents."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from intake.dates import human_date, human_duration


def millimetres(value: float) -> str:
    """A needle depth: 0.25, 0.5, 1.0, 1.25 (at least one decimal)."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def depth_range(low: float, high: float) -> str:
    """A depth range such as '0.5–1.0 mm', or '0.25 mm' when both ends agree."""
    if low == high:
        return f"{millimetres(low)} mm"
    return f"{millimetres(low)}–{millimetres(high)} mm"


def number_range(values: Sequence[float], unit: str) -> str:
    """A range such as '2–3 days' or '6–12 months' ('1 day' when both ends agree)."""
    low, high = (int(v) if float(v).is_integer() else v for v in values)
    if low == high:
        return human_duration(low, unit) if isinstance(low, int) else f"{low} {unit}"
    return f"{low}–{high} {unit}"


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


def make_filters(zone: ZoneInfo) -> dict[str, Callable[..., Any]]:
    """The filters for one clinic time zone."""

    def clinic_time(moment: datetime) -> str:
        local = moment.astimezone(zone)
        return f"{human_date(local.date())}, {local:%H:%M} {local.tzname()}"

    def utc_time(moment: datetime) -> str:
        return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"

    def both_times(moment: datetime) -> str:
        return f"{clinic_time(moment)} ({utc_time(moment)})"

    def long_date(day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(zone).date()
        return human_date(day)

    def weekday_date(day: date) -> str:
        return f"{day:%A} {human_date(day)}"

    return {
        "clinic_time": clinic_time,
        "utc_time": utc_time,
        "both_times": both_times,
        "long_date": long_date,
        "weekday_date": weekday_date,
        "mm": millimetres,
        "depth_range": lambda area: depth_range(area.depth_min, area.depth_max),
        "days": lambda values: number_range(values, "days"),
        "months": lambda values: number_range(values, "months"),
        "weeks": lambda amount: human_duration(int(amount), "weeks"),
        "groups": groups,
        "direction": direction,
    }
