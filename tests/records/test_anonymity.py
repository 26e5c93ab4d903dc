"""Audit entries identify no one without the key: a list of candidate names confirms nothing from the database."""

from __future__ import annotations

import hashlib
import itertools
import json

from tests.records.conftest import DEVICE, SECRET_BIRTH, SECRET_NAME, STAFF, raw_bytes, record_named, submit_new

FIRST = ("Zephyrine Amelia Olivia Isla Ava Mia Ivy Lily Rosie Grace Freya Evie Ella Sophia Florence Willow Poppy "
         "Charlotte Sienna Daisy Alice Phoebe Sofia Matilda Elsie Emily Harper Esme Ruby Evelyn Maya Luna Amara Nadia "
         "Leah Zara")
LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White Roberts "
        "Green Hall Wood Jackson Clarke Patel Khan Lewis James Hughes Edwards Quillfeather-Okafor Okafor Turner "
        "Moore Hill Cooper Ward Morris King Baker Harrison Morgan Allen Young Scott Mitchell Kelly Cook Carter "
        "Bell Murphy Bailey Cox Richardson Gray Price Ali Hussain Singh Kaur Shaw Lloyd Ellis")
REASON = "Isotretinoin stopped early; dermatologist letter seen"


def candidates() -> list[str]:
    names = [f"{first} {last}" for first, last in itertools.product(FIRST.split(), LAST.split())]
    assert SECRET_NAME in names and len(names) >= 2000
    return names


def typed_signature(name: str) -> dict:
    # The attacker is given every other field exactly (intent wording, time): only the name is guessed.
    return {"consent": {"method": "typed", "name": name, "intent_statement": "I agree.",
                        "signed_at": "2026-11-20T10:05:00+00:00", "strokes": [], "aspect_ratio": 3.0}}


def unkeyed_guesses(name: str) -> set[str]:
    """Hashes a database without keyed hashes would hold for this client (as the issue's attack computed them)."""
    value = typed_signature(name)
    texts = [json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
             json.dumps(value, ensure_ascii=False, separators=(",", ":")), json.dumps(value),
             json.dumps(value, sort_keys=True), name, f"{name}|{SECRET_BIRTH}"]
    return {hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts}


def confirmed(data: bytes) -> list[str]:
    text = data.decode("latin-1").lower()
    return [name for name in candidates() if name.lower() in text or any(h in text for h in unkeyed_guesses(name))]


def a_client_who_signed_with_a_reason(store, engine) -> tuple[str, str]:
    intake_id = submit_new(store, engine, record_named(example="clearance"))
    store.keep_signatures(intake_id, typed_signature(SECRET_NAME), staff=STAFF, device=DEVICE)
    store.record_decision(intake_id, practitioner_id="ajordan", kind="override", reason=REASON, staff="alex",
                          device="office")
    client_id = store.load_intake(intake_id).client_id
    return intake_id, client_id


def test_the_audit_details_hold_only_keyed_hashes(store, engine):
    intake_id, _ = a_client_who_signed_with_a_reason(store, engine)
    details = {k for e in store.audit_trail(intake_id) for k in e.data}
    assert not {k for k in details if k.endswith("sha256")}
    assert {"signatures_hmac", "reason_hmac", "record_hmac", "assessment_hmac"} <= details
    reason = hashlib.sha256(REASON.encode()).hexdigest()
    assert reason not in json.dumps([e.details for e in store.audit_trail()])


def test_a_candidate_list_confirms_no_name_from_the_database(store, engine, clinic):
    a_client_who_signed_with_a_reason(store, engine)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert confirmed(raw_bytes(clinic.data_dir)) == []


def test_after_erasure_nothing_confirms_the_client(store, engine, clinic):
    _, client_id = a_client_who_signed_with_a_reason(store, engine)
    store.erase_client(client_id, staff=STAFF, device=DEVICE)
    data = raw_bytes(clinic.data_dir)
    assert confirmed(data) == []
    assert hashlib.sha256(REASON.encode()).hexdigest().encode() not in data


def test_the_attack_itself_works_on_an_unkeyed_hash():
    """The check above is not vacuous: an unkeyed signature hash in the bytes is confirmed at once."""
    leaked = json.dumps({"signatures_sha256": sorted(unkeyed_guesses(SECRET_NAME))[0]}).encode()
    assert confirmed(leaked) == [SECRET_NAME]
