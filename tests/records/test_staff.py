"""Staff accounts: each person's own PIN and role, a back-off kept in the store across restarts, all audited."""

from __future__ import annotations

import io
import sys

import pytest

from intake.cli import main
from intake.records import Store, rotate
from intake.records import staff as staff_module
from intake.records.staff import PinRefused, StaffDirectory, StaffError
from tests.records.conftest import STAFF

PRACTITIONER_PIN, DESK_PIN = "731904", "correct horse battery"


@pytest.fixture
def team(store):
    directory = StaffDirectory(store)
    directory.add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan",
                  pin=PRACTITIONER_PIN, by=STAFF, device="office")
    directory.add("sam", name="Sam Desk", role="front_desk", pin=DESK_PIN, by=STAFF, device="office")
    return directory


def test_each_person_unlocks_as_themselves_with_their_role(team, store):
    practitioner = team.authenticate(PRACTITIONER_PIN, device="kiosk-1")
    assert (practitioner.staff_id, practitioner.role, practitioner.practitioner_id) == \
        ("ajordan", "practitioner", "ajordan") and practitioner.can_countersign
    desk = team.authenticate(DESK_PIN, device="kiosk-1")
    assert desk.staff_id == "sam" and not desk.can_countersign
    events = [(e.event, e.staff) for e in store.audit_trail()]
    assert ("staff_added", STAFF) in events and ("staff_unlocked", "ajordan") in events
    assert store.verify_audit().ok
    assert PRACTITIONER_PIN.encode() not in store.path.read_bytes()


def test_wrong_pins_pause_the_device_and_a_restart_does_not_reset_it(team, clinic, engine, clock):
    for left in (2, 1):
        with pytest.raises(PinRefused, match=f"{left} tr"):
            team.authenticate("000000", device="kiosk-1")
    with pytest.raises(PinRefused, match="try again in 30 seconds"):
        team.authenticate("000001", device="kiosk-1")
    team.store.close()
    with Store.open(clinic, clock=clock, engine=engine) as reopened:  # the app restarted
        again = StaffDirectory(reopened)
        assert again.wait_seconds("kiosk-1") > 25
        with pytest.raises(PinRefused, match="Too many wrong PINs"):
            again.authenticate(PRACTITIONER_PIN, device="kiosk-1")  # even the right PIN waits
        assert again.wait_seconds("kiosk-2") == 0  # another device is not paused
        clock.advance(seconds=31)
        with pytest.raises(PinRefused, match="60 seconds"):  # the pause doubles
            again.authenticate("000002", device="kiosk-1")
        clock.advance(seconds=61)
        assert again.authenticate(PRACTITIONER_PIN, device="kiosk-1").staff_id == "ajordan"
        assert again.wait_seconds("kiosk-1") == 0
        assert reopened.verify_audit().ok
        assert [e.event for e in reopened.audit_trail()].count("pin_refused") == 4


def test_a_disabled_account_unlocks_nothing(team):
    team.disable("sam", by=STAFF, device="office")
    with pytest.raises(PinRefused):
        team.authenticate(DESK_PIN, device="kiosk-1")
    assert [m.staff_id for m in team.members()] == ["ajordan"]
    assert [m.active for m in team.members(include_disabled=True)] == [True, False]


@pytest.mark.parametrize("kwargs, message", [
    ({"pin": "2468"}, "the demo PIN cannot be"),
    ({"pin": "123456"}, "too easy to guess"),
    ({"pin": "1234567890123"}, "6 to 12 digits; that one has 13"),
    ({"pin": "12345"}, "6 to 12 digits"),
    ({"pin": PRACTITIONER_PIN}, "another staff member already uses that PIN"),
    ({"role": "practitioner", "practitioner_id": "nobody"}, "not one"),
    ({"role": "surgeon"}, "not a role"),
    ({"staff_id": "Bad Id"}, "cannot be a staff id"),
    ({"staff_id": "sam"}, "already a staff member"),
])
def test_bad_accounts_are_refused_with_plain_words(team, kwargs, message):
    given = {"staff_id": "new", "name": "New Person", "role": "front_desk", "pin": "55501234", **kwargs}
    staff_id = given.pop("staff_id")
    with pytest.raises(StaffError, match=message):
        team.add(staff_id, by=STAFF, device="office", **given)


@pytest.mark.real_cost
def test_pins_are_hashed_with_memory_hard_scrypt():
    stored = staff_module.hash_pin("731904")
    algorithm, n, r, p, salt, digest = stored.split("$")
    assert algorithm == "scrypt" and int(n) >= 2 ** 16 and int(r) >= 8  # 64 MiB per guess
    assert staff_module.check_hash("731904", stored) and not staff_module.check_hash("731905", stored)


def test_accounts_survive_a_key_rotation(team, clinic, engine):
    team.store.close()
    rotate.rotate_data_key(clinic, staff=STAFF, device="office")
    with Store.open(clinic, engine=engine) as store:
        directory = StaffDirectory(store)
        assert directory.authenticate(DESK_PIN, device="kiosk-1").staff_id == "sam"
        assert directory.authenticate(DESK_PIN, device="kiosk-1").staff_id == "sam"  # re-tagged
        assert store.verify_audit().ok


def test_the_staff_commands(clinic, monkeypatch, capsys):
    config = ["--config", str(clinic.source)]

    def run(stdin: str, *args: str) -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return main([*config, "staff", *args])

    # The first account needs no one's PIN (nobody could give one yet); every later change does.
    assert run(PRACTITIONER_PIN + "\n", "add", "ajordan", "--name", "Alex Jordan", "--role", "practitioner",
               "--practitioner", "ajordan", "--pin-stdin") == 0
    assert "Added ajordan" in capsys.readouterr().out
    assert run("123\n", "add", "sam", "--name", "Sam", "--role", "front_desk", "--pin-stdin") == 1
    assert "not right" in capsys.readouterr().err  # "123" was taken as the person's own PIN, and refused
    assert run(f"{PRACTITIONER_PIN}\n123\n", "add", "sam", "--name", "Sam", "--role", "front_desk", "--by",
               "ajordan", "--pin-stdin") == 1
    assert "6 to 12 digits" in capsys.readouterr().err
    assert run(f"{PRACTITIONER_PIN}\n{DESK_PIN}\n", "add", "sam", "--name", "Sam", "--role", "front_desk", "--by",
               "ajordan", "--pin-stdin") == 0
    assert main([*config, "staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "Added sam" in out and "sam" in out.splitlines()[-1]
    assert run(f"{DESK_PIN}\n", "disable", "sam", "--by", "ajordan", "--pin-stdin") == 1  # not ajordan's PIN
    assert run(f"{PRACTITIONER_PIN}\n", "disable", "sam", "--by", "ajordan", "--pin-stdin") == 0
    assert run(f"{PRACTITIONER_PIN}\n", "disable", "sam", "--by", "ajordan", "--pin-stdin") == 1
    assert "no active staff member 'sam'" in capsys.readouterr().err
    with Store.open(clinic) as store:
        events = [(e.event, e.staff) for e in store.audit_trail()]
    assert ("staff_added", "ajordan") in events and ("staff_disabled", "ajordan") in events


def test_the_kiosk_refuses_the_demo_pin_unless_the_clinic_is_a_demo(clinic, store):
    from dataclasses import replace

    from intake.tui import pin

    demo_hash = pin.hash_pin("2468", iterations=1000)
    kiosk = {"staff_pin_hash": demo_hash, "device": "kiosk-1"}
    store.config = replace(clinic, data={**clinic.data, "kiosk": kiosk})
    guard = pin.make_guard(store.config, store)
    assert guard.authenticate("2468") is None and "demo PIN unlocks only a demonstration" in guard.message
    kiosk["demo"] = True
    assert guard.authenticate("2468").shared
    StaffDirectory(store).add("ajordan", name="Alex Jordan", role="practitioner", practitioner_id="ajordan",
                              pin=PRACTITIONER_PIN, by=STAFF, device="office")
    # Staff accounts exist: only own PINs unlock, the shared one no longer does.
    assert guard.authenticate("2468") is None and "not right" in guard.message
    assert guard.authenticate(PRACTITIONER_PIN).staff_id == "ajordan"
