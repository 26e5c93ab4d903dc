"""Searching sealed names through the blind index, and returning clients' prefilled answers."""

from __future__ import annotations

import pytest

from intake.errors import DataFileError
from intake.questionnaire import build_questionnaire
from intake.records import search
from tests.records.conftest import SECRET_NAME, fill_draft, record_named, submit_new


@pytest.fixture
def people(store, engine):
    ids = {
        "zeph": submit_new(store, engine, record_named()),
        "zoe": submit_new(store, engine, record_named("Zoë O'Brien", birth="1990-01-02")),
        "li": submit_new(store, engine, record_named("Li Wei", example="defer", birth="1975-06-30")),
        "draft": fill_draft(store, engine, record_named("Quentin Zephyr", birth="1990-01-02"), steps=1),
    }
    return ids


def found(store, text, **kw) -> set[str]:
    return {row.intake_id for row in store.search(text, **kw).rows}


def test_names_are_found_by_word_beginnings_ignoring_case_accents_and_punctuation(store, people):
    assert found(store, "zeph") == {people["zeph"], people["draft"]}
    assert found(store, "QUILLFEATHER") == {people["zeph"]}
    assert found(store, "okafor zephyrine") == {people["zeph"]}
    assert found(store, "zoe obrien") == found(store, "Zoë O’Brien") == {people["zoe"]}
    assert found(store, "li") == {people["li"]}  # a whole short name
    assert found(store, "wei li") == {people["li"]}
    assert found(store, "ephyrine") == set()  # beginnings of words only
    assert found(store, "zephyrine smith") == set()


def test_dates_of_birth_and_statuses_narrow_the_search(store, people):
    assert found(store, "1990-01-02") == {people["zoe"], people["draft"]}
    assert found(store, "zeph 1990-01-02") == {people["draft"]}
    assert found(store, "1990-01-03") == set()
    assert found(store, None, status="deferred") == {people["li"]}
    assert found(store, "zeph", status="draft") == {people["draft"]}
    assert found(store, "!!") == set()


def test_every_token_hit_is_confirmed_on_the_opened_name(store, engine, monkeypatch):
    monkeypatch.setattr(type(store.keyring), "token", lambda self, text: 7)  # every token collides
    zoe = submit_new(store, engine, record_named("Zoë O'Brien", birth="1990-01-02"))
    li = submit_new(store, engine, record_named("Li Wei", birth="1975-06-30"))
    submit_new(store, engine, record_named())
    assert found(store, "zoe") == {zoe}
    assert found(store, "li 1975-06-30") == {li}
    assert found(store, "li 1990-01-02") == set()
    assert store.find_returning("Li Wei", "1975-06-30")["full_name"] == "Li Wei"


def test_limits_report_that_more_matched(store, people):
    result = store.search(None, limit=2)
    assert len(result.rows) == 2 and result.more
    assert not store.search(None, limit=10).more
    assert [r.intake_id for r in store.search(None).rows][0] == people["draft"]  # newest first


def test_client_tokens_cover_prefixes_and_dates_but_not_the_text(store):
    tokens = search.client_tokens(store.keyring, "Zephyrine Quillfeather-Okafor", "1988-03-14")
    expected = {store.keyring.token("p:" + w[:n]) for w in ("zephyrine", "quillfeather", "okafor")
                for n in range(3, min(len(w), 12) + 1)}
    assert expected < tokens
    assert all(0 <= t < 2 ** 24 for t in tokens)


def test_a_returning_client_gets_demographics_and_history_to_confirm(store, engine, clock):
    first = record_named()
    submit_new(store, engine, first)
    clock.advance(days=40)
    later = record_named()
    later["answers"]["phone"] = "+44 7700 900999"
    later["consultation_date"] = "2026-12-30"
    later_id = submit_new(store, engine, later)
    prefill = store.find_returning("  zephyrine   QUILLFEATHER-okafor ", "1988-03-14", staff="amy", device="kiosk-1")
    prefill_ids = {q.id for q in engine.questionnaire.questions() if q.prefill}
    assert prefill["phone"] == "+44 7700 900999"  # from the latest intake
    assert prefill["full_name"] == SECRET_NAME
    assert set(prefill) <= prefill_ids
    assert {"date_of_birth", "emergency_contact_name", "skin_type", "keloid"} <= set(prefill)
    for today_only in ("pregnant_or_breastfeeding", "ack_information_true", "photo_consent", "skin_infection",
                       "treatment_areas"):
        assert today_only not in prefill
    assert store.audit_trail(later_id)[-1].event == "viewed"
    assert store.audit_trail(later_id)[-1].data["purpose"].startswith("prefill")


def test_no_prefill_for_strangers_drafts_or_a_wrong_birth_date(store, engine):
    submit_new(store, engine, record_named())
    fill_draft(store, engine, record_named("Draft Only"), steps=1)
    assert store.find_returning(SECRET_NAME, "1988-03-15") is None
    assert store.find_returning("Zephyrine Quillfeather", "1988-03-14") is None
    assert store.find_returning("Draft Only", "1988-03-14") is None
    assert store.find_returning("Nobody Here", "2000-01-01") is None


def test_the_same_name_and_birth_date_is_one_client(store, engine):
    a = submit_new(store, engine, record_named())
    b = submit_new(store, engine, record_named(SECRET_NAME.upper()))
    c = submit_new(store, engine, record_named(birth="1988-03-15"))
    clients = {i: store.load_intake(i).client_id for i in (a, b, c)}
    assert clients[a] == clients[b] != clients[c]


def test_correcting_a_name_in_a_draft_moves_it_to_the_right_client(store, engine):
    intake_id = store.start_intake(staff="amy", device="k", consultation_date="2026-11-20")
    for name in ("Zephyrine Typo", SECRET_NAME):
        store.save_step(intake_id, step_id="about_you", answers={"full_name": name, "date_of_birth": "1988-03-14"},
                        next_step="your_skin", staff="amy", device="k")
    assert found(store, "typo") == set()
    assert store.conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 1


def test_a_prefilled_follow_up_needs_its_condition_prefilled(engine):
    import json

    from intake.paths import SCHEMAS_DIR

    data = json.loads((SCHEMAS_DIR / "questionnaire.json").read_text(encoding="utf-8"))
    health = next(s for s in data["steps"] if s["id"] == "health")
    next(q for q in health["questions"] if q["id"] == "autoimmune")["prefill"] = False
    with pytest.raises(DataFileError, match="'autoimmune_detail' is prefilled but 'autoimmune'"):
        build_questionnaire(data)
