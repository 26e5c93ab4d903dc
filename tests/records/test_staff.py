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


@pytest.fixture(autouse=True)
def quick_hash(monkeypatch, request):
    """The real cost (N=2**16, 64 MiB) is checked once below; the other tests use a cheaper N."""
    if "real_cost" not in request.keywords:
        monkeypatch.setattr(staff_module, "SCRYPT_N", 2 ** 10)


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
    ({"pin": "2468"}, "6 to 12 digits"),
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
    monkeypatch.setattr(sys, "stdin", io.StringIO(PRACTITIONER_PIN + "\n"))
    assert main([*config, "staff", "add", "ajordan", "--name", "Alex Jordan", "--role", "practitioner",
                 "--practitioner", "ajordan", "--pin-stdin", "--by", "owner"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))
    assert main([*config, "staff", "add", "sam", "--name", "Sam", "--role", "front_desk", "--pin-stdin"]) == 1
    assert main([*config, "staff", "list"]) == 0
    out = capsys.readouterr()
    assert "Added ajordan" in out.out and "6 to 12 digits" in out.err and "ajordan" in out.out.splitlines()[-1]
    assert main([*config, "staff", "disable", "ajordan"]) == 0
    assert main([*config, "staff", "disable", "ajordan"]) == 1


def test_the_kiosk_refuses_the_demo_pin_unless_the_clinic_is_a_demo(clinic, store, team):
    from intake.tui import pin

    demo_hash = pin.hash_pin("2468", iterations=1000)
    section = dict(clinic.section("kiosk"), staff_pin_hash=demo_hash)
    monkeypatch_config = type("C", (), {"is_demo": False, "section": lambda self, name: section})()
    guard = pin.make_guard(monkeypatch_config, None, kiosk=True)
    with pytest.raises(pin.PinError, match="demo PIN does not unlock a kiosk"):
        guard.authenticate("2468")
    section["demo"] = True
    assert pin.make_guard(monkeypatch_config, None, kiosk=True).authenticate("2468") is pin.SHARED_STAFF
    staff_guard = pin.make_guard(monkeypatch_config, store, kiosk=True)  # staff accounts exist: they win
    assert isinstance(staff_guard, pin.StaffPinGuard)
    assert staff_guard.authenticate("2468") is None and "not right" in staff_guard.message
    assert staff_guard.authenticate(PRACTITIONER_PIN).staff_id == "ajordan"
