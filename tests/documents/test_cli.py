"""`intake render`, `intake verify` and `intake keys init` as staff would use them."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from intake.cli import main
from tests.conftest import EXAMPLES, ROOT
from tests.documents.conftest import DOC_DATA, write_config

AT = "2026-11-20T14:40:05+00:00"


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A front-desk folder: the demo clinic keeps its keys and documents relative to it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    return tmp_path


def test_render_and_verify_with_the_demo_clinic(desk, capsys):
    code = main(["render", str(EXAMPLES / "suitable.json"), "--typed-name", "Maria Okonkwo-Smith",
                 "--photo-typed-name", "Maria Okonkwo-Smith", "--signed-at", AT, "--out", "docs"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "First use of the demo clinic: created a self-signed DEMO seal" in out
    assert "SUITABLE" in out and "Check any copy with: intake verify FILE.pdf" in out
    files = sorted((desk / "docs").iterdir())
    assert [f.name for f in files] == ["example-suitable_aftercare_20261120T144005Z.pdf",
                                       "example-suitable_consent_20261120T144005Z.pdf"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE((desk / "intake-keys" / "seal-key.pem").stat().st_mode) == 0o600

    assert main(["verify", *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert out.count("VERIFIED ") == 2 and "self-signed DEMO certificate" in out
    assert "matches the fingerprint printed in the document" in out

    tampered = desk / "tampered.pdf"
    data = bytearray(files[1].read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert main(["verify", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"NOT VERIFIED {tampered}: ")

    assert main(["verify", "--json", str(files[0])]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    assert report["verified"] and report["document"] == "aftercare" and report["certificate"]["demo"]


def test_render_with_drawn_strokes_and_a_clearance_note(desk, capsys):
    args = ["render", str(EXAMPLES / "clearance.json"), "--signature", str(DOC_DATA / "strokes.json"),
            "--clearance-noted", "GP letter of 18 November seen", "--signed-at", AT, "--out", "docs"]
    assert main(args) == 1  # photos were agreed: the photo consent is signed on its own, or by the client's choice
    assert "--photo-same-signature when the client chooses" in capsys.readouterr().err
    assert not (desk / "docs").exists()
    code = main([*args, "--photo-same-signature"])
    assert code == 0, capsys.readouterr()
    from tests.documents.conftest import pdf_pages

    consent = next((desk / "docs").glob("*consent*.pdf"))
    pages = pdf_pages(consent.read_bytes())
    text = " ".join(pages)
    assert "GP letter of 18 November seen" in text and "Signed by hand" in text
    start = next(i for i, page in enumerate(pages) if "Consent to clinical photographs" in page)
    photo_part = " ".join(" ".join(pages[start:]).split())
    assert "Signed with the same signature as the treatment consent, as the client chose" in photo_part
    assert "Signed with the same signature" not in " ".join(pages[:start])
    # The approvals are seen, but the isotretinoin waiting period still sets the first session.
    flat = " ".join(text.split())
    assert "We can treat you from 1 February 2027." in flat
    assert "noted that the approval asked for above has been seen and the waiting periods above" in flat
    assert "still apply: your first session will be on or after the date given there" in flat
    aftercare = " ".join(" ".join(pdf_pages(next((desk / "docs").glob("*aftercare*.pdf")).read_bytes())).split())
    assert "First session not before 1 February 2027" in aftercare
    assert "Your next session: between Monday 1 March 2027 and Monday 15 March 2027" in aftercare


def test_a_deferred_client_gets_the_letter_instead_of_a_consent(desk, capsys):
    code = main(["render", str(EXAMPLES / "defer.json"), "--typed-name", "Chloe O'Neill", "--signed-at", AT,
                 "--out", "docs"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no consent can be signed: writing the deferral letter instead" in out
    assert [f.name for f in (desk / "docs").iterdir()] == ["example-defer_deferral_20261120T144005Z.pdf"]


def test_an_invalid_record_writes_nothing(desk, capsys):
    record = json.loads((EXAMPLES / "suitable.json").read_text())
    record["answers"]["full_name"] = "N" * 10_000
    (desk / "bad.json").write_text(json.dumps(record))
    assert main(["render", "bad.json", "--typed-name", "N", "--out", "docs"]) == 1
    err = capsys.readouterr().err
    assert "INVALID bad.json" in err and "Too long" in err and "No documents were written" in err
    assert not (desk / "docs").exists()


def test_an_unknown_practitioner_is_refused_and_nothing_is_written(desk, capsys):
    args = ["render", str(EXAMPLES / "suitable.json"), "--typed-name", "Maria Okonkwo-Smith",
            "--practitioner", "nobody-here", "--out", "docs"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "--practitioner nobody-here is not in the configuration" in err
    assert not (desk / "docs").exists()


def test_a_consent_without_a_signature_is_refused(desk, capsys):
    assert main(["render", str(EXAMPLES / "caution.json"), "--out", "docs"]) == 1
    assert "needs the client's signature" in capsys.readouterr().err


def test_a_real_clinic_must_create_its_keys_first(desk, capsys):
    config = str(write_config(desk))
    args = ["--config", config, "render", str(EXAMPLES / "caution.json"), "--typed-name", "Aisha Rahman"]
    assert main(args) == 1
    assert "Run `intake keys init` once" in capsys.readouterr().err
    assert main(["--config", config, "keys", "init"]) == 0
    out = capsys.readouterr().out
    assert "created:" in out and "(mode 0600)" in out
    assert main(["--config", config, "keys", "init"]) == 0
    assert "kept:" in capsys.readouterr().out
    assert main(args) == 0
    assert "(self-signed)" in capsys.readouterr().out


def test_help_loads_no_heavy_library():
    code = ("import sys; from intake.cli import build_parser; build_parser().format_help(); "
            "print([m for m in ('weasyprint', 'pyhanko', 'cryptography', 'jsonschema', 'textual', 'questionary', "
            "'pypdf', 'jinja2') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "[]"


def test_documents_import_no_user_interface_library():
    code = ("import sys; import intake.documents.renderer, intake.documents.verify, intake.cli.document_commands; "
            "print([m for m in ('textual', 'questionary') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "[]"
