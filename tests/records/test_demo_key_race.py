"""Two demo wizards starting at the same moment (tablets opening at once on a fresh `intake serve`) must end up with
one data key: the second never replaces the key the first has already sealed records with."""

from __future__ import annotations

import pytest

from intake.config import load_config
from intake.records import Store, create_data_key, crypto
from intake.records.errors import KeyExistsError


def test_a_key_made_by_another_process_during_creation_is_kept_and_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(crypto.KEY_ENV, raising=False)
    demo = load_config(None)
    key = tmp_path / "intake-keys" / "data.key"
    made = crypto.key_file_text(bytes(range(32)))  # the other wizard's key
    own_text = crypto.key_file_text

    def other_process_first(raw: bytes) -> bytes:
        # The other wizard writes its key after this one found none and before this one writes its own.
        crypto.write_private(key, made)
        return own_text(raw)

    monkeypatch.setattr(crypto, "key_file_text", other_process_first)
    with pytest.raises(KeyExistsError, match="another program created it just now"):
        create_data_key(demo)
    assert key.read_bytes() == made
    key.unlink()
    with Store.open(demo) as store:  # the demo's first open: no key, no records yet
        kept = store.keyring.key_id
    monkeypatch.setattr(crypto, "key_file_text", own_text)
    assert key.read_bytes() == made
    with Store.open(demo) as store:  # the records were sealed with the key that stayed
        assert store.keyring.key_id == kept
