"""The per-intake blind index: searches give what opening every name would give, and the index keeps in step."""

from __future__ import annotations

import itertools
import random

import pytest

from intake.records import clients, migrations, search
from tests.records.conftest import fill_draft, record_named, signed_new, submit_new

FIRST = ("Maria", "Mark", "Marta", "Li", "Zoë", "Ann", "Anna")
LAST = ("Smith", "Smyth", "O'Brien", "Marsh", "Annan")
BIRTHS = ("1980-02-03", "1991-07-15")


def expected(store, text, status=None, limit=50, client_id=None):
    """The answer worked out the slow way: open every client's name, filter, sort newest first."""
    query = search.parse_query(text)
    hits = []
    for intake_id, state, updated, owner, blob in store.conn.execute(
            "SELECT i.id, i.status, i.updated_at, i.client_id, c.identity FROM intakes i"
            " LEFT JOIN clients c ON c.id = i.client_id"):
        if owner is None or (status and state != status) or (client_id and owner != client_id):
            continue
        identity = clients.open_identity(store.keyring, owner, blob)
        if search.matches(query, identity["full_name"], identity["date_of_birth"]):
            hits.append((updated, intake_id))
    hits.sort(reverse=True)
    return [intake_id for _, intake_id in hits[:limit]], len(hits) > limit


def index_rows(store) -> set[tuple]:
    return set(store.conn.execute("SELECT token, updated_at, intake_id FROM intake_tokens"))


def derived_rows(store) -> set[tuple]:
    return set(store.conn.execute("SELECT t.token, i.updated_at, i.id FROM search_tokens t"
                                  " JOIN intakes i ON i.client_id = t.client_id"))


@pytest.fixture
def crowd(store, engine, clock):
    """About forty intakes of clients whose names share beginnings: drafts, submitted, signed, relinked, erased."""
    rng = random.Random(14)
    people = [(f"{first} {last}", birth) for first, last, birth in itertools.product(FIRST, LAST, BIRTHS)]
    rng.shuffle(people)
    made = []
    for n, (name, birth) in enumerate(people[:36]):
        record = record_named(name, birth=birth)
        kind = n % 4
        if kind == 0:
            made.append(fill_draft(store, engine, record, steps=1))
        elif kind == 1:
            made.append(submit_new(store, engine, record))
        else:
            made.append(signed_new(store, engine, record))
        clock.advance(minutes=rng.randint(0, 3))
    # a returning client, and a draft whose name is corrected onto another client
    made.append(submit_new(store, engine, record_named(people[1][0], birth=people[1][1])))
    moved = fill_draft(store, engine, record_named("Maria Typo", birth=BIRTHS[0]), steps=1)
    store.save_step(moved, step_id=engine.questionnaire.steps[0].id,
                    answers={"full_name": people[2][0], "date_of_birth": people[2][1]}, next_step=None,
                    staff="amy", device="k")
    # one client erased (consent kept), one erased outright (drafts only) and an older draft left to expire
    signed = next(i for n, i in enumerate(made) if n % 4 == 2)
    store.erase_client(store.load_intake(signed).client_id, staff="manager", device="office")
    draft = next(i for n, i in enumerate(made) if n % 4 == 0)
    store.erase_client(store.load_intake(draft).client_id, staff="manager", device="office")
    return made


def queries() -> list[str]:
    words = {w for name in FIRST + LAST for w in search.name_words(name)}
    texts = sorted({w[:3] for w in words} | words | {"li", "an", "zzz"})
    texts += [f"{a} {b}" for a, b in itertools.product(("mar", "maria", "ann", "li"), ("smi", "smyth", "o'b"))]
    texts += [f"{w} {birth}" for w in ("mar", "anna", "smith", "zoe") for birth in BIRTHS] + list(BIRTHS)
    return texts


def test_every_search_gives_what_opening_every_name_gives(store, crowd):
    for text in queries():
        for status, limit in ((None, 50), (None, 3), ("draft", 50), ("signed", 2), ("submitted", 1)):
            result = store.search(text, status=status, limit=limit)
            assert ([r.intake_id for r in result.rows], result.more) == expected(store, text, status, limit), \
                (text, status, limit)


def test_a_search_within_one_client_and_erased_or_expired_intakes(store, engine, crowd, clock):
    owner = store.load_intake(crowd[1]).client_id
    assert [r.intake_id for r in store.search("mar ann li smi", client_id=owner).rows] == []
    name = store.load_intake(crowd[1]).answers["full_name"]
    assert [r.intake_id for r in store.search(name, client_id=owner).rows] == expected(store, name,
                                                                                       client_id=owner)[0]
    clock.advance(days=400)
    assert store.expire_drafts() > 0
    for text in queries():
        rows = store.search(text).rows
        assert [r.intake_id for r in rows] == expected(store, text)[0]
        assert all(r.status not in ("erased", "expired") for r in rows)
    listed = store.search(None, limit=200).rows
    assert {r.status for r in listed} >= {"erased", "expired"}  # listing without words still shows them


def test_the_index_stays_in_step_with_clients_and_intakes(store, engine, crowd, clock):
    assert index_rows(store) == derived_rows(store) and index_rows(store)
    clock.advance(days=400)
    store.expire_drafts()
    assert index_rows(store) == derived_rows(store)
    assert not store.conn.execute("SELECT 1 FROM intake_tokens t LEFT JOIN intakes i ON i.id = t.intake_id"
                                  " WHERE i.client_id IS NULL").fetchone()


def test_an_older_store_gets_the_index_when_upgraded(store, engine, crowd):
    before = index_rows(store)
    for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                      " AND name LIKE 'intake_tokens_%'").fetchall():
        store.conn.execute(f"DROP TRIGGER {name}")
    store.conn.execute("DROP TABLE intake_tokens")
    store.conn.execute("DELETE FROM migrations WHERE version >= 3")
    store.conn.execute("PRAGMA user_version = 2")
    assert store._migrate() == migrations.LATEST - 2
    assert migrations.current_version(store.conn) == migrations.LATEST
    assert index_rows(store) == before == derived_rows(store)
    assert store.verify_audit().ok


@pytest.mark.parametrize("cap", [search.COUNT_CAP, 1])
def test_the_token_fewest_intakes_carry_is_walked(store, crowd, monkeypatch, cap):
    monkeypatch.setattr(search, "COUNT_CAP", cap)  # 1: every token counts as common, so all are counted exactly
    tokens = [store.keyring.token(t) for t in ("p:mar", "p:smi", "d:" + BIRTHS[0])]
    counts = {t: store.conn.execute("SELECT count(*) FROM intake_tokens WHERE token = ?", (t,)).fetchone()[0]
              for t in tokens}
    order = search.walk_order(store.conn, tokens)
    assert sorted(order) == sorted(tokens) and counts[order[0]] == min(counts.values())
    assert [r.intake_id for r in store.search(f"mar smi {BIRTHS[0]}").rows] == \
        expected(store, f"mar smi {BIRTHS[0]}")[0]


def test_rows_deleted_from_the_derived_index_are_named_by_audit_verify(store, crowd):
    assert store.verify_audit().ok
    with store.write("tampering, as an attacker with sqlite3 would"):
        store.conn.execute("DELETE FROM intake_tokens WHERE intake_id IN (SELECT intake_id FROM intake_tokens LIMIT 1)")
    report = store.verify_audit()
    assert any(p.kind == "search index" and "can no longer be found by search" in p.message for p in report.problems)
