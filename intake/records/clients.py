"""Provides clients: found again by name + date of birth through the blind index, identity sealed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intake.records.checks import check_who
from intake.records.crypto import Keyring
from intake.records.model import client_label, new_id
from intake.records.tokens import client_tokens, identity_token, name_key

if TYPE_CHECKING:
    from intake.records.store import Records

#: Question ids every questionnaire has (intake.questionnaire.REQUIRED_QUESTIONS guarantees them).
NAME_QUESTION, BIRTH_QUESTION = "full_name", "date_of_birth"


def identity_ad(client_id: str) -> str:
    """Associated data binding a sealed identity to its client row."""
    return f"client:{client_id}:identity"


def open_identity(keyring: Keyring, client_id: str, blob: bytes) -> dict[str, str]:
    """The client's name and date of birth."""
    identity: dict[str, str] = keyring.open_json(blob, identity_ad(client_id), f"the name of client {client_id}")
    return identity


def find_client(store: Records, full_name: str, date_of_birth: str, include_erasing: bool = False) -> str | None:
    """The client with exactly this (normalised) name and date of birth, if any."""
    wanted = name_key(full_name)
    for row in store.backend.clients_with_token(identity_token(store.keyring, full_name, date_of_birth)):
        store.tables.check("clients", row)
        if row["erasure_requested_at"] and not include_erasing:
            continue
        identity = open_identity(store.keyring, row["id"], row["identity"])
        if identity["date_of_birth"] == date_of_birth and name_key(identity["full_name"]) == wanted:
            return str(row["id"])
    return None


def link_client(store: Records, full_name: str, date_of_birth: str) -> str:
    """Finds the client with this name and date of birth, creating one (sealed, indexed) if needed.

    A client who asked to be erased, and whose consent evidence is still kept, is not reused:
    a new visit starts a new client.
    """
    found = find_client(store, full_name, date_of_birth)
    if found:
        return found
    client_id = new_id(8, "c-")
    blob = store.keyring.seal_json({"full_name": full_name, "date_of_birth": date_of_birth}, identity_ad(client_id))
    store.tables.insert("clients", {"id": client_id, "identity": blob, "created_at": store.now(),
                                    "erasure_requested_at": None, "retained_until": None})
    for token in sorted(client_tokens(store.keyring, full_name, date_of_birth)):
        store.tables.insert("search_tokens", {"token": token, "client_id": client_id})
    return client_id


def drop_if_orphan(store: Records, client_id: str | None) -> bool:
    """Deletes a client (and its tokens) that no intake refers to any more."""
    if client_id is None or store.backend.client_intakes(client_id):
        return False
    for token in store.backend.tokens_of(client_id):
        store.tables.delete("search_tokens", (token, client_id))
    store.tables.delete("clients", client_id)
    return True


def returning_answers(store: Records, full_name: str, date_of_birth: str, staff: str,
                      device: str) -> dict[str, Any] | None:
    """The prefill answers of a returning client's latest submitted intake (see Records.find_returning)."""
    found = returning_client(store, full_name, date_of_birth, staff, device)
    return found[0] if found else None


def returning_client(store: Records, full_name: str, date_of_birth: str, staff: str,
                     device: str) -> tuple[dict[str, Any], str] | None:
    """A returning client's prefill answers and the language of their latest submitted intake, or None."""
    check_who(staff, device)
    questionnaire = store.engine.questionnaire
    with store.write("looking up a returning client"):
        client_id = find_client(store, full_name, date_of_birth)
        if client_id is None:
            return None
        row = store.backend.latest_record(client_id)
        if row is None:
            return None
        record = store.open_sealed(row["id"], "record", row["record"], "record")
        store.audit("viewed", staff=staff, device=device, intake_id=row["id"], client_id=client_id,
                    purpose="prefill for a returning client")
    keep = {q.id for q in questionnaire.questions() if q.prefill}
    answers = questionnaire.prune({k: v for k, v in record["answers"].items() if k in keep})
    return answers, str(record.get("language") or store.engine.language)


def update_identity(store: Records, intake_id: str, before: Mapping[str, Any], after: Mapping[str, Any],
                    client_id: str | None) -> str | None:
    """Keeps an intake's sealed label and client link in step with its name and date of birth."""
    name, birth = after.get(NAME_QUESTION), after.get(BIRTH_QUESTION)
    unchanged = name == before.get(NAME_QUESTION) and birth == before.get(BIRTH_QUESTION)
    if unchanged and (client_id or not (name and birth)):
        return client_id
    new_client = link_client(store, name, birth) if name and birth else None
    label = store.seal_value(intake_id, "label", client_label(name, birth)) if name or birth else None
    store.tables.update("intakes", intake_id, client_id=new_client, label=label)
    if client_id and client_id != new_client:
        drop_if_orphan(store, client_id)
    return new_client
