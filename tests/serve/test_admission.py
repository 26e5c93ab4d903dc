"""How many tablet sessions the server holds, from where, and which have gone idle: the bookkeeping alone."""

from __future__ import annotations

import pytest

from intake.serve.admission import Admission
from intake.serve.settings import BASE_MB, SESSION_MB, ServeSettings, default_max_sessions, host_name, is_loopback


def admission(**changes) -> tuple[Admission[str], list[float]]:
    now = [100.0]
    values = dict(max_sessions=3, per_address=2, idle_seconds=60.0, clock=lambda: now[0])
    values.update(changes)
    return Admission(**values), now


def test_the_session_beyond_the_cap_is_refused_until_one_ends():
    held, _ = admission()
    for number, address in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3")):
        assert held.refusal(address) is None
        held.add(f"s{number}", address)
    assert held.refusal("10.0.0.4") == "busy" and held.refusal("127.0.0.1") == "busy"
    held.discard("s1")
    assert held.refusal("10.0.0.4") is None and len(held) == 2
    held.discard("never-added")  # forgetting what was not counted changes nothing
    assert len(held) == 2


@pytest.mark.parametrize("per_address", [1, 2, 3])
def test_one_network_address_holds_only_its_share(per_address):
    held, _ = admission(max_sessions=10, per_address=per_address)
    for number in range(per_address):
        assert held.refusal("10.0.0.7") is None
        held.add(f"s{number}", "10.0.0.7")
    assert held.refusal("10.0.0.7") == "address"
    assert held.refusal("10.0.0.8") is None  # another tablet is not held back
    assert held.held_by("10.0.0.7") == per_address


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_the_machine_itself_is_held_only_to_the_cap(address):
    held, _ = admission(max_sessions=4, per_address=1)
    for number in range(4):
        assert held.refusal(address) is None
        held.add(f"s{number}", address)
    assert held.refusal(address) == "busy"


def test_a_session_is_idle_after_the_time_without_input_and_input_keeps_it():
    held, now = admission(idle_seconds=60.0)
    held.add("quiet", "10.0.0.1")
    held.add("busy", "10.0.0.2")
    now[0] += 59
    held.touch("busy")
    assert held.idle() == []
    now[0] += 1
    assert held.idle() == ["quiet"]
    now[0] += 58  # 59 s after the key
    assert held.idle() == ["quiet"]
    now[0] += 1
    assert sorted(held.idle()) == ["busy", "quiet"]
    held.touch("gone")  # a key for a session already ended is ignored


@pytest.mark.parametrize(("cores", "memory", "expected"), [
    (1, None, 5), (2, None, 10), (8, None, 40),
    (2, BASE_MB + 12 * SESSION_MB, 10), (2, BASE_MB + 4 * SESSION_MB, 4), (8, BASE_MB + 5 * SESSION_MB, 5),
    (8, BASE_MB + 6 * SESSION_MB - 1, 5), (4, BASE_MB + SESSION_MB - 1, 1), (4, BASE_MB - 1, 1), (0, None, 5),
])
def test_the_default_cap_is_five_per_core_within_the_memory_available(cores, memory, expected):
    # The memory: the server, its renderer and its wizard template first, then each forked wizard.
    assert default_max_sessions(cores=cores, memory_mb=memory) == expected


def test_the_serve_table_sets_the_limits_and_the_defaults_fill_the_rest(tmp_path):
    chosen = ServeSettings.from_config({"max_sessions": 7, "max_sessions_per_address": 3, "idle_minutes": 5},
                                       tmp_path)
    assert (chosen.max_sessions, chosen.per_address, chosen.idle_minutes) == (7, 3, 5)
    default = ServeSettings.from_config({}, tmp_path)
    assert default.max_sessions >= 1 and default.per_address == 2 and default.idle_minutes == 30


@pytest.mark.parametrize(("header", "name"), [
    ("[::1]:8420", "::1"), ("[::1]", "::1"), ("::1", "::1"), ("localhost:8420", "localhost"),
    ("127.0.0.1", "127.0.0.1"), ("127.0.0.1:80", "127.0.0.1"), ("[fe80::1]:443", "fe80::1"), ("[", ""),
    ("rebind.example:8420", "rebind.example"), ("", ""),
])
def test_a_host_header_gives_its_host_name(header, name):
    assert host_name(header) == name


def test_loopback_is_the_machine_itself_in_every_spelling():
    assert all(is_loopback(host_name(h)) for h in ("[::1]", "[::1]:8420", "localhost", "127.0.0.5:9"))
    assert not any(is_loopback(host_name(h)) for h in ("[fe80::1]", "10.0.0.1:80", "example.org", ""))
