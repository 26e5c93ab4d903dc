"""The shared catalogue reader and dates per language (intake/i18n.py)."""

from datetime import date

import pytest

from intake.dates import human_date, human_duration
from intake.errors import DataFileError
from intake.i18n import catalogue_path, decimal, duration, long_date, translations, weekday_date

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Next"
msgstr "Weiter"

#, fuzzy
msgid "Back"
msgstr "Zurueck?"

msgid "Untranslated"
msgstr ""
'''


def test_a_catalogue_translates_what_it_has_and_nothing_fuzzy(tmp_path):
    path = catalogue_path(tmp_path, "intake", "de")
    path.parent.mkdir(parents=True)
    path.write_text(PO, encoding="utf-8")
    german = translations(tmp_path, "intake", "de")
    assert german.gettext("Next") == "Weiter"
    assert german.gettext("Back") == "Back"
    assert german.gettext("Untranslated") == "Untranslated"
    assert translations(tmp_path, "intake", "en").gettext("Next") == "Next"


def test_a_missing_catalogue_names_its_file_and_the_fix(tmp_path):
    with pytest.raises(DataFileError) as info:
        translations(tmp_path, "intake", "fr")
    assert str(catalogue_path(tmp_path, "intake", "fr")) in str(info.value)
    assert "stop offering 'fr'" in str(info.value)


@pytest.mark.parametrize("day", [date(2026, 11, 20), date(2028, 2, 29), date(2027, 1, 1)])
def test_dates_read_as_each_language_writes_them(day):
    assert long_date(day, "en") == human_date(day)
    assert weekday_date(day, "en") == f"{day:%A} {human_date(day)}"
    assert long_date(date(2026, 11, 20), "de") == "20. November 2026"
    assert weekday_date(date(2026, 11, 20), "de") == "Freitag, 20. November 2026"
    assert long_date(date(2026, 11, 20), "en-US") == "November 20, 2026"


def test_an_unknown_language_is_a_plain_error():
    with pytest.raises(DataFileError, match="not a known language"):
        long_date(date(2026, 1, 1), "xx")


def test_numbers_and_durations_read_as_each_language_writes_them():
    assert [decimal(v, "en") for v in (0.25, 0.5, 1.0, 2)] == ["0.25", "0.5", "1.0", "2.0"]
    assert [decimal(v, "de") for v in (0.25, 0.5, 1.0, 2)] == ["0,25", "0,5", "1,0", "2,0"]
    for amount in (1, 2, 12):
        for unit in ("hours", "days", "weeks", "months"):
            assert duration(amount, unit, "en") == human_duration(amount, unit)
    assert [duration(n, "weeks", "de") for n in (1, 4)] == ["1 Woche", "4 Wochen"]
    assert [duration(n, "months", "de") for n in (1, 6)] == ["1 Monat", "6 Monate"]
    assert duration(2.0, "days", "de") == "2 Tage"
