"""Provides dates as people type them: the clinic's order (day first for en-GB), any usual separator.

Answers are always stored as YYYY-MM-DD (the record contract). People type dates the way their
country writes them: `10/04/1992` in the UK is the 10th of April. The clinic sets the order with
`[clinic] date_order = "DMY" | "MDY" | "YMD"` (default: day first, or month first for a clinic whose
language is en-US). Slashes, dots, hyphens and spaces all separate; a four-digit year first is
always read as year-month-day. Eight digits typed without separators (a tablet's number pad has no
slash) are read in the clinic's order, two-two-four (`14031988`: 14 March 1988 day first) or
four-two-two for year first. A date that cannot be read gets a message that echoes exactly what
was typed and shows the expected form. Both front ends (the wizard's date box and `intake ask`)
use `read_date`; `show_date` writes a stored date back in the clinic's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from intake.i18n import N_, intake_words

if TYPE_CHECKING:
    from intake.config import ClinicConfig

ORDERS = ("DMY", "MDY", "YMD")
_FORMS = {"DMY": N_("DD/MM/YYYY"), "MDY": N_("MM/DD/YYYY"), "YMD": N_("YYYY-MM-DD")}
_EXAMPLE = date(1990, 4, 23)
_PARTS = re.compile(r"\s*([0-9]+)\s*[/.\-\s]\s*([0-9]+)\s*[/.\-\s]\s*([0-9]+)\s*")
#: Eight digits without separators, as (year first, other orders): split by position.
_RUN = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"), re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})")
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


def expected_form(order: str, language: str = "en") -> str:
    """The form to type, e.g. 'DD/MM/YYYY' ('TT/MM/JJJJ' for a German reader: the clinic's order either way)."""
    return intake_words(language).gettext(_FORMS[order])


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


def how_to_type(order: str, language: str = "en") -> str:
    """The hint for a date box: 'DD/MM/YYYY, for example 23/04/1990', in the reader's language."""
    return intake_words(language).gettext("{form}, for example {example}").format(
        form=expected_form(order, language), example=example(order))


def read_date(typed: str, order: str, language: str = "en") -> TypedDate:
    """Reads a date as the person typed it in the clinic's order; empty text is no answer. The message for a date
    that cannot be read is in `language`."""
    text = typed.strip()
    if not text:
        return TypedDate(None)
    _ = intake_words(language).gettext
    shown = text if len(text) <= 40 else text[:40] + "…"
    again = _("Type it as {how}.").format(how=how_to_type(order, language))
    unreadable = _("“{typed}” is not a date we can read.")
    found = _PARTS.fullmatch(text) or _RUN[order != "YMD"].fullmatch(text)
    if found is None:
        return TypedDate(None, f"{unreadable.format(typed=shown)} {again}")
    parts = found.groups()
    if len(parts[0]) == 4:
        year, month, day = parts
    elif order == "YMD":
        return TypedDate(None, " ".join((_("“{typed}”: start with the year, in four digits.").format(typed=shown),
                                         again)))
    else:
        first, second, year = parts
        day, month = (first, second) if order == "DMY" else (second, first)
    if len(year) != 4:
        return TypedDate(None, " ".join((_("“{typed}”: write the year with four digits.").format(typed=shown), again)))
    if len(day) > 2 or len(month) > 2:
        return TypedDate(None, f"{unreadable.format(typed=shown)} {again}")
    if not 1 <= int(month) <= 12:
        wrong = _("“{typed}”: there is no month {month}.").format(typed=shown, month=int(month))
        return TypedDate(None, f"{wrong} {again}")
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        wrong = _("“{typed}” is not a real date (that month has no day {day}).").format(typed=shown, day=int(day))
        return TypedDate(None, f"{wrong} {again}")
    return TypedDate(value.isoformat())
