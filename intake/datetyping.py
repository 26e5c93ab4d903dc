"""Provides dates as people type them: the clinic's order (day first for en-GB), any usual separator.

Answers are always stored as YYYY-MM-DD (the record contract). People type dates the way their
country writes them: `10/04/1992` in the UK is the 10th of April. The clinic sets the order with
`[clinic] date_order = "DMY" | "MDY" | "YMD"` (default: day first, or month first for a clinic whose
language is en-US). Slashes, dots, hyphens and spaces all separate; a four-digit year first is
always read as year-month-day. A date that cannot be read gets a message that echoes exactly what
was typed and shows the expected form. Both front ends (the wizard's date box and `intake ask`)
use `read_date`; `show_date` writes a stored date back in the clinic's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.config import ClinicConfig

ORDERS = ("DMY", "MDY", "YMD")
_FORMS = {"DMY": "DD/MM/YYYY", "MDY": "MM/DD/YYYY", "YMD": "YYYY-MM-DD"}
_EXAMPLE = date(1990, 4, 23)
_PARTS = re.compile(r"\s*([0-9]+)\s*[/.\-\s]\s*([0-9]+)\s*[/.\-\s]\s*([0-9]+)\s*")
#: What a date box accepts while typing: digits and the separators.
TYPING = r"[0-9/.\- ]*"


@dataclass(frozen=True)
class TypedDate:
    """What was made of a typed date: the stored form (YYYY-MM-DD), or the message for the person."""

    iso: str | None
    problem: str | None = None


def date_order(config: ClinicConfig) -> str:
    """The clinic's date order: `[clinic] date_order`, else month first for en-US and day first otherwise."""
    clinic = config.section("clinic")
    order = str(clinic.get("date_order", "")).upper()
    if order in ORDERS:
        return order
    return "MDY" if str(clinic.get("language", "")).replace("_", "-").lower() == "en-us" else "DMY"


def expected_form(order: str) -> str:
    """The form to type, e.g. 'DD/MM/YYYY'."""
    return _FORMS[order]


def show_date(iso: str | None, order: str) -> str:
    """A stored YYYY-MM-DD date written in the clinic's order ('' for none; other text unchanged)."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if order == "YMD":
        return day.isoformat()
    first, second = (day.day, day.month) if order == "DMY" else (day.month, day.day)
    return f"{first:02d}/{second:02d}/{day.year:04d}"


def example(order: str) -> str:
    """An example date in the clinic's order, e.g. '23/04/1990'."""
    return show_date(_EXAMPLE.isoformat(), order)


def how_to_type(order: str) -> str:
    """The hint for a date box: 'DD/MM/YYYY, for example 23/04/1990'."""
    return f"{expected_form(order)}, for example {example(order)}"


def read_date(typed: str, order: str) -> TypedDate:
    """Reads a date as the person typed it in the clinic's order; empty text is no answer."""
    text = typed.strip()
    if not text:
        return TypedDate(None)
    shown = text if len(text) <= 40 else text[:40] + "…"
    again = f"Type it as {how_to_type(order)}."
    found = _PARTS.fullmatch(text)
    if found is None:
        return TypedDate(None, f"“{shown}” is not a date we can read. {again}")
    parts = found.groups()
    if len(parts[0]) == 4:
        year, month, day = parts
    elif order == "YMD":
        return TypedDate(None, f"“{shown}”: start with the year, in four digits. {again}")
    else:
        first, second, year = parts
        day, month = (first, second) if order == "DMY" else (second, first)
    if len(year) != 4:
        return TypedDate(None, f"“{shown}”: write the year with four digits. {again}")
    if len(day) > 2 or len(month) > 2:
        return TypedDate(None, f"“{shown}” is not a date we can read. {again}")
    if not 1 <= int(month) <= 12:
        return TypedDate(None, f"“{shown}”: there is no month {int(month)}. {again}")
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return TypedDate(None, f"“{shown}” is not a real date (that month has no day {int(day)}). {again}")
    return TypedDate(value.isoformat())
