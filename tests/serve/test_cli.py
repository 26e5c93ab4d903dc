"""`intake serve` refuses unsafe or unusable set-ups with a plain message, and `start` accepts the web driver."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.cli import main
from intake.paths import DEMO_CONFIG
from intake.serve.process import DEVICE_ENV, WizardProcess, wizard_command
from intake.serve.settings import ServeSettings, is_loopback
from tests.conftest import ROOT


def clinic(tmp_path: Path, serve: str = "") -> Path:
    config = tmp_path / "clinic.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8") + "\n[serve]\n" + serve, encoding="utf-8")
    return config


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "clinic-pc.local"])
def test_beyond_loopback_without_tls_is_refused(tmp_path, monkeypatch, capsys, host):
    monkeypatch.chdir(tmp_path)
    assert main(["--config", str(clinic(tmp_path)), "serve", "--host", host]) == 1
    error = capsys.readouterr().err
    assert f"will not listen on {host}" in error and "tls_cert_file" in error and "pair" in error
    assert "Traceback" not in error


def test_a_certificate_without_its_key_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = clinic(tmp_path, 'tls_cert_file = "cert.pem"\n')
    assert main(["--config", str(config), "serve"]) == 1
    assert "go together" in capsys.readouterr().err


def test_missing_tls_files_are_named(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = clinic(tmp_path, 'host = "0.0.0.0"\ntls_cert_file = "cert.pem"\ntls_key_file = "key.pem"\n')
    assert main(["--config", str(config), "serve"]) == 1
    assert "cert.pem does not exist" in capsys.readouterr().err


def test_beyond_loopback_pairing_is_always_on():
    section = {"host": "0.0.0.0", "tls_cert_file": "c.pem", "tls_key_file": "k.pem", "pairing": False}
    assert ServeSettings.from_config(section, Path("data")).pairing
    assert not ServeSettings.from_config({}, Path("data")).pairing
    assert ServeSettings.from_config({}, Path("data"), host="localhost").host == "localhost"
    assert is_loopback("127.0.0.5") and is_loopback("::1") and not is_loopback("10.0.0.1")


def test_a_bad_serve_table_is_reported_with_its_key(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--config", str(clinic(tmp_path, "port = 99999\n")), "serve"]) == 1
    assert "serve.port" in capsys.readouterr().err


def test_pairing_codes_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = str(clinic(tmp_path))
    assert main(["--config", config, "serve", "pair", "front desk 1"]) == 0
    assert "Pairing code for front desk 1:" in capsys.readouterr().out
    assert main(["--config", config, "serve", "pair"]) == 2
    assert main(["--config", config, "serve", "pair", "<script>"]) == 1
    assert "not a usable device name" in capsys.readouterr().err
    assert main(["--config", config, "serve", "devices"]) == 0
    assert "No tablets are paired" in capsys.readouterr().out
    assert (tmp_path / "intake-data" / "serve-devices.json").stat().st_mode & 0o777 == 0o600


def test_serve_refuses_a_clinic_whose_wizard_could_not_start(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a clinic of its own has no data key yet
    config = tmp_path / "own.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace('name = "Demo Skin Clinic"', 'name = "Own"'),
                      encoding="utf-8")
    assert main(["--config", str(config), "serve", "--port", "1"]) == 1
    assert "intake keys init" in capsys.readouterr().err


def test_each_wizard_process_is_told_its_device(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "left-over")

    async def noop(*args):
        return None

    named = WizardProcess("true", device="tablet-3", write_bytes=noop, write_str=noop, close=noop,
                          download_manager=None)
    anonymous = WizardProcess("true", device=None, write_bytes=noop, write_str=noop, close=noop,
                              download_manager=None)
    assert named._build_environment()[DEVICE_ENV] == "tablet-3"
    assert DEVICE_ENV not in anonymous._build_environment()
    assert anonymous._build_environment()["TEXTUAL_DRIVER"].startswith("textual.drivers.web_driver:")
    assert wizard_command(Path("/x y/c.toml")).endswith("--config '/x y/c.toml' start --kiosk")


def test_start_still_needs_a_terminal_unless_a_browser_drives_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "TEXTUAL"))}
    env["PYTHONPATH"] = str(ROOT)
    plain = subprocess.run([sys.executable, "-m", "intake", "start"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert plain.returncode == 2 and "needs a terminal" in plain.stderr
    from intake.cli.tui_commands import _web_driver

    assert not _web_driver()
    os.environ["TEXTUAL_DRIVER"] = "textual.drivers.web_driver:WebDriver"
    try:
        assert _web_driver()
    finally:
        del os.environ["TEXTUAL_DRIVER"]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clinic-pc")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_tls_files_make_a_tls_context_and_a_mismatch_is_explained(tmp_path):
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    section = {"host": "0.0.0.0", "tls_cert_file": str(cert_file), "tls_key_file": str(key_file)}
    good = ServeSettings.from_config(section, tmp_path)
    good.check()
    context = good.ssl_context()
    assert isinstance(context, ssl.SSLContext) and context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert good.scheme == "https" and good.pairing
    other_cert, _ = _self_signed(tmp_path / "other" if (tmp_path / "other").mkdir() is None else tmp_path)
    mismatched = ServeSettings.from_config({**section, "tls_cert_file": str(other_cert)}, tmp_path)
    from intake.errors import IntakeError

    with pytest.raises(IntakeError, match="belong together"):
        mismatched.check()
