"""Provides clients: found again by name + date of birth through the blind index, identity sealed."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from intake.records import integrity
from intake.records.crypto import Keyring
from intake.records.model import client_label, new_id
from intake.records.ops import StoreOps, check_who
from intake.records.search import client_tokens, identity_token, name_key

#: Question ids every questionnaire has (intake.questionnaire.REQUIRED_QUESTIONS guarantees them).
NAME_QUESTION, BIRTH_QUESTION = "full_name", "date_of_birth"


def identity_ad(client_id: str) -> str:
    """Associated data binding a sealed identity to its client row."""
    return f"client:{client_id}:identity"


def open_identity(keyring: Keyring, client_id: str, blob: bytes) -> dict[str, str]:
    """The client's name and date of birth."""
    return keyring.open_json(blob, identity_ad(client_id), f"the name of client {client_id}")


def find_client(conn: sqlite3.Connection, keyring: Keyring, full_name: str, date_of_birth: str,
                include_erasing: bool = False) -> str | None:
    """The client with exactly this (normalised) name and date of birth, if any."""
    wanted = name_key(full_name)
    rows = conn.execute(
        "SELECT c.id, c.identity, c.erasure_requested_at FROM search_tokens t JOIN clients c ON c.id = t.client_id"
        " WHERE t.token = ? ORDER BY c.created_at", (identity_token(keyring, full_name, date_of_birth),)).fetchall()
    for client_id, blob, erasing in rows:
        integrity.check(conn, "clients", client_id)
        if erasing and not include_erasing:
            continue
        identity = open_identity(keyring, client_id, blob)
        if identity["date_of_birth"] == date_of_birth and name_key(identity["full_name"]) == wanted:
            return client_id
    return None


def link_client(conn: sqlite3.Connection, keyring: Keyring, full_name: str, date_of_birth: str, now: str) -> str:
    """Finds the client with this name and date of birth, creating one (sealed, indexed) if needed.

    A client who asked to be erased, and whose consent evidence is still kept, is not reused:
    a new visit starts a new client.
    """
    found = find_client(conn, keyring, full_name, date_of_birth)
    if found:
        return found
    client_id = new_id(8, "c-")
    blob = keyring.seal_json({"full_name": full_name, "date_of_birth": date_of_birth}, identity_ad(client_id))
    conn.execute("INSERT INTO clients (id, identity, created_at) VALUES (?, ?, ?)", (client_id, blob, now))
    conn.executemany("INSERT OR IGNORE INTO search_tokens (token, client_id) VALUES (?, ?)",
                     [(token, client_id) for token in client_tokens(keyring, full_name, date_of_birth)])
    return client_id


def drop_if_orphan(conn: sqlite3.Connection, client_id: str | None) -> bool:
    """Deletes a client (and its tokens) that no intake refers to any more."""
    if client_id is None:
        return False
    if conn.execute("SELECT 1 FROM intakes WHERE client_id = ? LIMIT 1", (client_id,)).fetchone():
        return False
    conn.execute("DELETE FROM search_tokens WHERE client_id = ?", (client_id,))
    conn.execute("DELETE FROM clients WHERE id = ?", (client_id,))
    return True


def returning_answers(store: StoreOps, full_name: str, date_of_birth: str, staff: str,
                      device: str) -> dict[str, Any] | None:
    """The prefill answers of a returning client's latest submitted intake (see Store.find_returning)."""
    check_who(staff, device)
    questionnaire = store.engine.questionnaire
    with store.write("looking up a returning client"):
        client_id = find_client(store.conn, store.keyring, full_name, date_of_birth)
        if client_id is None:
            return None
        row = store.conn.execute(
            "SELECT id, record FROM intakes WHERE client_id = ? AND status IN ('submitted', 'deferred', 'signed')"
            " AND record IS NOT NULL ORDER BY submitted_at DESC LIMIT 1", (client_id,)).fetchone()
        if row is None:
            return None
        record = store.open_sealed(row[0], "record", row[1], "record")
        store.audit("viewed", staff=staff, device=device, intake_id=row[0], client_id=client_id,
                    purpose="prefill for a returning client")
    keep = {q.id for q in questionnaire.questions() if q.prefill}
    return questionnaire.prune({k: v for k, v in record["answers"].items() if k in keep})


def update_identity(store: StoreOps, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                    client_id: str | None) -> str | None:
    """Keeps an intake's sealed label and client link in step with its name and date of birth."""
    name, birth = after.get(NAME_QUESTION), after.get(BIRTH_QUESTION)
    unchanged = name == before.get(NAME_QUESTION) and birth == before.get(BIRTH_QUESTION)
    if unchanged and (client_id or not (name and birth)):
        return client_id
    new_client = link_client(store.conn, store.keyring, name, birth, store.now()) if name and birth else None
    label = store.seal_value(intake_id, "label", client_label(name, birth)) if name or birth else None
    store.conn.execute("UPDATE intakes SET client_id = ?, label = ? WHERE id = ?", (new_client, label, intake_id))
    if client_id and client_id != new_client:
        drop_if_orphan(store.conn, client_id)
    return new_client
