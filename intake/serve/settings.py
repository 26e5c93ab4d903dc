"""Provides ServeSettings: where `intake serve` listens, and the check that refuses an unsafe address."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.errors import IntakeError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8420


def is_loopback(host: str) -> bool:
    """True when `host` can only be reached from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    """Where and how the tablet server listens.

    Attributes:
        host, port: the address to bind.
        cert_file, key_file: TLS certificate chain and private key (PEM), or None.
        pairing: tablets must be paired (always so beyond loopback).
        devices_file: where paired devices (hashed tokens) and pending pairing codes are kept.
    """

    host: str
    port: int
    cert_file: Path | None
    key_file: Path | None
    pairing: bool
    devices_file: Path

    @classmethod
    def from_config(cls, section: Mapping[str, Any], data_dir: Path, *, host: str | None = None,
                    port: int | None = None) -> ServeSettings:
        """The [serve] table, with --host / --port taking precedence."""
        chosen = host or section.get("host") or DEFAULT_HOST
        cert, key = section.get("tls_cert_file"), section.get("tls_key_file")
        return cls(host=chosen, port=int(port or section.get("port") or DEFAULT_PORT),
                   cert_file=Path(cert).expanduser() if cert else None,
                   key_file=Path(key).expanduser() if key else None,
                   pairing=bool(section.get("pairing", False)) or not is_loopback(chosen),
                   devices_file=Path(section.get("devices_file") or data_dir / "serve-devices.json").expanduser())

    @property
    def tls(self) -> bool:
        """True when both certificate and key are configured."""
        return self.cert_file is not None and self.key_file is not None

    @property
    def scheme(self) -> str:
        """https or http."""
        return "https" if self.tls else "http"

    def check(self) -> None:
        """Refuses an address beyond this machine without TLS, and unreadable TLS files.

        Raises:
            IntakeError: with the reason and the fix.
        """
        if (self.cert_file is None) != (self.key_file is None):
            raise IntakeError("serve.tls_cert_file and serve.tls_key_file go together: set both or neither.")
        if not is_loopback(self.host) and not self.tls:
            raise IntakeError(
                f"serve: will not listen on {self.host}: tablets on the network would send health data "
                "unencrypted. Set serve.tls_cert_file and serve.tls_key_file (PEM files) in the configuration, "
                "or serve on 127.0.0.1 (the default) for a browser on this machine. Beyond this machine, "
                "tablets must also be paired: `intake serve pair NAME` makes a one-time code for each.")
        if self.tls:
            self.ssl_context()

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server's TLS context (TLS 1.2 or newer), or None without TLS."""
        if not self.tls:
            return None
        for path in (self.cert_file, self.key_file):
            if not path.is_file():
                raise IntakeError(f"serve: the TLS file {path} does not exist; check serve.tls_cert_file and "
                                  "serve.tls_key_file.")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(self.cert_file, self.key_file)
        except (ssl.SSLError, OSError) as exc:
            raise IntakeError(f"serve: the TLS certificate {self.cert_file} and key {self.key_file} cannot be "
                              f"used ({exc.__class__.__name__}: {exc}); both must be PEM and belong together."
                              ) from None
        return context
