"""What a staff PIN or passphrase may be: one rule set for staff accounts, the shared PIN and every front end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.credentials import (
    PASSPHRASE_LENGTHS,
    PIN_LENGTHS,
    PinError,
    check_new_credential,
    common_pins,
    weak_pin_reason,
)

LENGTHS = range(PIN_LENGTHS[0], PIN_LENGTHS[1] + 1)
REPEATED = [digit * length for digit in "0123456789" for length in LENGTHS]
RUNS = ["".join(str((start + step * i) % 10) for i in range(length))
        for start in range(10) for step in (1, -1) for length in LENGTHS]
GROUPS = [group * (length // len(group)) for group in ("12", "21", "69", "123", "520", "1212")
          for length in LENGTHS if length % len(group) == 0]


@pytest.mark.parametrize("pin", REPEATED + RUNS + GROUPS + sorted(common_pins()))
def test_every_weak_pin_is_refused_in_plain_words(pin):
    assert weak_pin_reason(pin)
    with pytest.raises(PinError, match="too easy to guess"):
        check_new_credential(pin)


@pytest.mark.parametrize("pin", ["2468", "12345", "8" * 13, "1234567890123", "07391"])
def test_an_all_digit_credential_of_another_length_is_a_pin_of_the_wrong_length_not_a_passphrase(pin):
    with pytest.raises(PinError, match="a PIN is 6 to 12 digits"):
        check_new_credential(pin)


@pytest.mark.parametrize("good", ["731904", "586240", "80264153", "730195284613", "correct horse", "Blau-Wal 7"])
def test_ordinary_pins_and_passphrases_are_accepted(good):
    assert check_new_credential(good) == good


@pytest.mark.parametrize(("bad", "message"), [
    ("", "type a PIN"), ("short", "8 to 128 characters"), ("x" * 129, "8 to 128 characters"),
    ("line\nbreak here", "8 to 128 characters"), (" padded pass ", "start or end with a space"),
    ("١٢٣٤٥٦", "digits 0 to 9 only"),
])
def test_unusable_credentials_say_why(bad, message):
    with pytest.raises(PinError, match=message):
        check_new_credential(bad)


@given(st.text(min_size=PASSPHRASE_LENGTHS[0], max_size=40))
def test_any_text_gets_an_answer_never_a_crash(text):
    try:
        assert check_new_credential(text) == text
    except PinError as exc:
        assert str(exc)


def test_the_common_pin_list_is_data_checked_when_loaded(tmp_path):
    bad = tmp_path / "pins.txt"
    bad.write_text("# comment\n123456\n12ab56\n", encoding="utf-8")
    with pytest.raises(PinError, match=r"pins.txt, line 3: '12ab56' is not a PIN"):
        common_pins(bad)
    assert len(common_pins()) >= 100
