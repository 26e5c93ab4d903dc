"""Provides calendar arithmetic for waiting windows, ages and human-readable dates."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_iso_date(value: object) -> date | None:
    """Returns the date for a strict YYYY-MM-DD string, or None for anything else."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def add_months(day: date, months: int) -> date:
    """Adds calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def shift(day: date, amount: int, unit: str) -> date:
    """Moves a date by a signed amount of hours, days, weeks or months (hours round up to days)."""
    if unit == "months":
        return add_months(day, amount)
    if unit == "weeks":
        return day + timedelta(weeks=amount)
    if unit == "hours":
        days = -(-abs(amount) // 24)
        return day + timedelta(days=days if amount >= 0 else -days)
    return day + timedelta(days=amount)


def age_on(birth: date, on: date) -> int:
    """Whole years between a date of birth and a day."""
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - int(before_birthday)


def human_date(day: date) -> str:
    """Formats a date as '20 November 2026' (English month names; day first is unambiguous)."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def human_duration(amount: int, unit: str) -> str:
    """Formats a window such as '6 months' or '1 week'."""
    singular = unit[:-1]
    return f"{amount} {singular if amount == 1 else unit}"
