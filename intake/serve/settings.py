"""Provides ServeSettings: where `intake serve` listens, and the check that refuses an unsafe address."""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.errors import IntakeError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8420
#: Memory the server needs before any tablet (PSS, bench/bench_serve.py, 6 December 2026): the server 39 MB, the
#: shared renderer 75 MB and the wizard template 34 MB, with headroom.
BASE_MB = 160
#: Memory each further tablet session takes: its wizard, forked from the template (PSS 41-44 MB measured, its
#: share of what it shares with the template included), with headroom.
SESSION_MB = 50
#: Tablet sessions per processor core that keep a screen change within 150 ms: 10 sessions on 2 cores gave a
#: screen-change p90 of 39 ms quiet and 98 ms with four CPU-bound processes added (bench/bench_serve.py, 6 December
#: 2026, every tablet tapping Staff, entering the PIN and going back in the same third of a second), once the staff
#: screens were built ahead; before that, 4 sessions on 2 cores was the most measured within 150 ms.
SESSIONS_PER_CORE = 5
#: Sessions one network address may hold at once (a tablet reloading its page briefly holds two).
DEFAULT_PER_ADDRESS = 2
#: Minutes without a key or a tap before a tablet's session is ended (its draft is saved first).
DEFAULT_IDLE_MINUTES = 30


def available_mb() -> int | None:
    """Memory available to new processes, in MB (MemAvailable), or None where /proc/meminfo is missing."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_max_sessions(cores: int | None = None, memory_mb: int | None = None) -> int:
    """How many tablets this machine serves at once when [serve] max_sessions is not set.

    Five per processor core (SESSIONS_PER_CORE), and no more than the memory available at start allows: BASE_MB
    for the server, its renderer and its wizard template, then SESSION_MB per session; at least one.
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    by_cores = SESSIONS_PER_CORE * max(1, cores)
    by_memory = (memory_mb - BASE_MB) // SESSION_MB if memory_mb is not None else by_cores
    return max(1, min(by_cores, by_memory))


def host_name(host: str) -> str:
    """The host name of an HTTP Host header: without its port, and an IPv6 address without brackets.

    `[::1]:8420` and `[::1]` give `::1`, `localhost:8420` gives `localhost`, a bare `::1` stays itself.
    """
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else ""
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


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
        max_sessions: tablets served at once; the next one is shown a page saying all are in use.
        per_address: sessions one network address may hold at once (loopback, the machine itself, is
            held only to max_sessions).
        idle_minutes: a session without a key or a tap for this long is ended (the draft is saved).
    """

    host: str
    port: int
    cert_file: Path | None
    key_file: Path | None
    pairing: bool
    devices_file: Path
    max_sessions: int = 4
    per_address: int = DEFAULT_PER_ADDRESS
    idle_minutes: int = DEFAULT_IDLE_MINUTES

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
                   devices_file=Path(section.get("devices_file") or data_dir / "serve-devices.json").expanduser(),
                   max_sessions=int(section.get("max_sessions") or default_max_sessions(memory_mb=available_mb())),
                   per_address=int(section.get("max_sessions_per_address") or DEFAULT_PER_ADDRESS),
                   idle_minutes=int(section.get("idle_minutes") or DEFAULT_IDLE_MINUTES))

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
        cert_file, key_file = self.cert_file, self.key_file
        if cert_file is None or key_file is None:  # no TLS: both are set or neither is
            return None
        for path in (cert_file, key_file):
            if not path.is_file():
                raise IntakeError(f"serve: the TLS file {path} does not exist; check serve.tls_cert_file and "
                                  "serve.tls_key_file.")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(cert_file, key_file)
        except (ssl.SSLError, OSError) as exc:
            raise IntakeError(f"serve: the TLS certificate {self.cert_file} and key {self.key_file} cannot be "
                              f"used ({exc.__class__.__name__}: {exc}); both must be PEM and belong together."
                              ) from None
        return context
