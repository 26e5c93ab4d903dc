"""Dates as people type them (intake.datetyping): the clinic's order, any usual separator, clear messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.config import load_config
from intake.datetyping import ORDERS, date_order, example, expected_form, read_date, show_date


@pytest.mark.parametrize(("typed", "order", "iso"), [
    ("10/04/1992", "DMY", "1992-04-10"), ("10.04.1992", "DMY", "1992-04-10"), ("10-4-1992", "DMY", "1992-04-10"),
    ("1 4 1992", "DMY", "1992-04-01"), (" 10 / 04 / 1992 ", "DMY", "1992-04-10"),
    ("04/10/1992", "MDY", "1992-04-10"), ("1992/04/10", "YMD", "1992-04-10"),
    ("1992-04-10", "DMY", "1992-04-10"), ("1992-04-10", "MDY", "1992-04-10"),  # a year first is always Y-M-D
    ("29/02/2024", "DMY", "2024-02-29"), ("", "DMY", None), ("   ", "MDY", None),
    # eight digits, no separators (a number pad): by position in the clinic's order
    ("10041992", "DMY", "1992-04-10"), ("04101992", "MDY", "1992-04-10"), ("19920410", "YMD", "1992-04-10"),
    ("29022024", "DMY", "2024-02-29"),
])
def test_typed_dates_in_the_clinics_order(typed, order, iso):
    found = read_date(typed, order)
    assert found.iso == iso and found.problem is None


@pytest.mark.parametrize(("typed", "order", "words"), [
    ("1041992", "DMY", "is not a date we can read"), ("31/02/1990", "DMY", "is not a real date"),
    ("31021990", "DMY", "is not a real date"), ("13101992", "MDY", "there is no month 13"),
    ("10041992", "YMD", "there is no month 19"), ("100419921", "DMY", "is not a date we can read"),
    ("10/13/1992", "DMY", "there is no month 13"), ("10/04/92", "DMY", "four digits"),
    ("yesterday", "MDY", "is not a date we can read"), ("04/10/1992", "YMD", "start with the year"),
])
def test_a_date_that_cannot_be_read_echoes_what_was_typed_and_the_expected_form(typed, order, words):
    found = read_date(typed, order)
    assert found.iso is None and words in found.problem
    assert f"“{typed}”" in found.problem  # exactly what was typed, never a rewritten version of it
    assert f"Type it as {expected_form(order)}, for example {example(order)}." in found.problem


@pytest.mark.parametrize("order", ORDERS)
def test_every_stored_date_reads_back_from_its_shown_form(order):
    for iso in ("1990-04-23", "2001-12-01", "1988-03-14", "2024-02-29"):
        assert read_date(show_date(iso, order), order).iso == iso
    assert example(order).count("23") == 1 and "1990" in example(order)


def test_the_order_comes_from_the_clinic(tmp_path):
    config = load_config(None)
    assert date_order(config) == "DMY"  # the demo clinic: en, Europe/London
    clinic = dict(config.section("clinic"))
    assert date_order(replace(config, data={**config.data, "clinic": {**clinic, "language": "en-US"}})) == "MDY"
    assert date_order(replace(config, data={**config.data, "clinic": {**clinic, "date_order": "YMD"}})) == "YMD"
