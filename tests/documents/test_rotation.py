"""A new seal key keeps the clinic's earlier certificates: documents sealed before still verify, and say so."""

from __future__ import annotations

import json
from pathlib import Path

from intake.cli import main
from intake.config import load_config
from intake.documents import create_seal_identity
from tests.conftest import EXAMPLES
from tests.documents.conftest import CERT_FROM, write_config

AT = "2026-11-20T14:40:05+00:00"


def _render(config_path: Path, out: Path, capsys) -> Path:
    code = main(["--config", str(config_path), "render", str(EXAMPLES / "suitable.json"), "--typed-name",
                 "Maria Okonkwo-Smith", "--photo-typed-name", "Maria Okonkwo-Smith", "--signed-at", AT,
                 "--out", str(out)])
    assert code == 0, capsys.readouterr()
    capsys.readouterr()
    return next(p for p in out.iterdir() if "_consent_" in p.name)


def _verify(config_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[dict]]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--config", str(config_path), "verify", "--json", *extra, *map(str, files)])
    return code, json.loads(out.getvalue())


def test_documents_sealed_before_each_new_key_still_verify_and_name_the_certificate(tmp_path, capsys):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    create_seal_identity(config, valid_from=CERT_FROM)
    first = _render(config_path, tmp_path / "one", capsys)
    _key, cert, retired_one = create_seal_identity(config, force=True, valid_from=CERT_FROM)
    second = _render(config_path, tmp_path / "two", capsys)
    _key, _cert, retired_two = create_seal_identity(config, force=True, valid_from=CERT_FROM)
    third = _render(config_path, tmp_path / "three", capsys)
    assert retired_one != retired_two and retired_one.parent == retired_two.parent == cert.parent / \
        "retired-seal-certificates"

    code, reports = _verify(config_path, first, second, third)
    assert code == 0 and all(r["verified"] for r in reports), reports
    assert [r["certificate"]["which"] for r in reports] == ["earlier", "earlier", "current"]
    assert reports[0]["certificate"]["checked_against"] == str(retired_one)
    assert reports[1]["certificate"]["checked_against"] == str(retired_two)
    assert any("earlier certificate of the clinic" in note for note in reports[0]["notes"])
    assert len({r["certificate"]["sha256"] for r in reports}) == 3

    assert main(["--config", str(config_path), "verify", str(first)]) == 0
    assert "an EARLIER certificate of the clinic" in capsys.readouterr().out

    # --cert names one certificate: only that one counts.
    code, reports = _verify(config_path, first, extra=("--cert", str(cert)))
    assert code == 1 and "different certificate" in reports[0]["reason"]


def test_a_document_sealed_by_another_clinic_is_refused_against_every_kept_certificate(tmp_path, capsys):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    our_config, their_config = write_config(ours), write_config(theirs)
    create_seal_identity(load_config(our_config), valid_from=CERT_FROM)
    create_seal_identity(load_config(our_config), force=True, valid_from=CERT_FROM)
    create_seal_identity(load_config(their_config), valid_from=CERT_FROM)
    foreign = _render(their_config, theirs / "docs", capsys)
    code, reports = _verify(our_config, foreign)
    assert code == 1
    assert "than any of the clinic's current or earlier ones" in reports[0]["reason"]


def test_keys_init_force_keeps_the_replaced_certificate(tmp_path, capsys):
    config_path = write_config(tmp_path)
    assert main(["--config", str(config_path), "keys", "init"]) == 0
    before = (tmp_path / "keys" / "seal-cert.pem").read_bytes()
    capsys.readouterr()
    assert main(["--config", str(config_path), "keys", "init", "--force"]) == 0
    out = capsys.readouterr().out
    assert "kept the earlier certificate:" in out
    kept = list((tmp_path / "keys" / "retired-seal-certificates").glob("*.pem"))
    assert [p.read_bytes() for p in kept] == [before]
    assert (tmp_path / "keys" / "seal-cert.pem").read_bytes() != before
