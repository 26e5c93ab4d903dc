"""Provides trusted time (RFC 3161): the clinic's timestamp authority and the trust placed in its answers.

`[security] timestamp_url` names the authority; only a hash of the signature (and a random nonce)
is sent to it, over a direct connection (no proxy from the environment), so nothing reaches a host
the clinic did not configure. `[security] timestamp_ca_file` holds the authority's root
certificate(s): without it a timestamp is still recorded and checked for integrity, but `intake
verify` says the authority itself could not be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.documents.errors import SealKeyError

if TYPE_CHECKING:
    from intake.config import ClinicConfig

DEFAULT_TIMEOUT = 10.0
MAX_REPLY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TimestampSettings:
    """The configured authority: where it is, how long to wait, and which roots to trust for it."""

    url: str | None
    ca_file: Path | None
    timeout: float = DEFAULT_TIMEOUT


def timestamp_settings(config: ClinicConfig) -> TimestampSettings:
    """The [security] timestamp settings (url None when no authority is configured)."""
    section = config.section("security")
    return TimestampSettings(url=section.get("timestamp_url") or None,
                             ca_file=config.path("security", "timestamp_ca_file"),
                             timeout=float(section.get("timestamp_timeout_seconds", DEFAULT_TIMEOUT)))


def trusted_roots(settings: TimestampSettings) -> list[Any]:
    """The authority's root certificates (asn1crypto), empty when none are configured.

    Raises:
        SealKeyError: the configured file cannot be read or holds no certificate.
    """
    from asn1crypto import x509 as asn1_x509

    from intake.documents.keys import load_certificates

    if settings.ca_file is None:
        return []
    try:
        ders = load_certificates(settings.ca_file)
    except SealKeyError as exc:
        raise SealKeyError(f"[security] timestamp_ca_file: {exc}") from None
    return [asn1_x509.Certificate.load(der) for der in ders]


class TimestampUnavailable(Exception):
    """The authority could not give a timestamp; the message says why, in plain words."""


def http_timestamper(settings: TimestampSettings) -> Any:
    """A pyHanko TimeStamper that asks the configured authority over HTTP(S), with no proxy."""
    if not settings.url:
        raise ValueError("no timestamp authority configured")
    return _timestamper_class()(settings.url, settings.timeout)


_CLASS: dict[str, type] = {}


def _timestamper_class() -> type:
    if "http" not in _CLASS:
        import urllib.error
        import urllib.request

        from asn1crypto import tsp
        from pyhanko.sign.timestamps import TimeStamper
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        class DirectHTTPTimeStamper(TimeStamper):
            """pyHanko's HTTP timestamp client, without proxies taken from the environment."""

            def __init__(self, url: str, timeout: float) -> None:
                super().__init__()  # type: ignore[no-untyped-call]
                self.url, self.timeout = url, timeout
                self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

            def _post(self, body: bytes) -> bytes:
                request = urllib.request.Request(self.url, data=body, method="POST", headers={
                    "Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"})
                try:
                    with self._opener.open(request, timeout=self.timeout) as reply:
                        if reply.headers.get("Content-Type") != "application/timestamp-reply":
                            raise TimestampRequestError("the timestamp authority did not send a timestamp reply")
                        data: bytes = reply.read(MAX_REPLY_BYTES)
                        return data
                except (OSError, urllib.error.URLError) as exc:
                    reason = getattr(exc, "reason", None) or exc
                    raise TimestampRequestError(f"cannot reach {self.url} ({reason})") from None

            def request_tsa_response(self, req: Any) -> Any:
                return tsp.TimeStampResp.load(self._post(req.dump()))

            async def async_request_tsa_response(self, req: Any) -> Any:
                import asyncio

                return await asyncio.to_thread(self.request_tsa_response, req)

        _CLASS["http"] = DirectHTTPTimeStamper
    return _CLASS["http"]


@dataclass(frozen=True)
class AttestedTime:
    """A timestamp found in a document: when, by whom, and whether the authority could be checked."""

    at: datetime
    authority: str
    trusted: bool
    kind: str  # "signature" (on the seal) or "document" (added by `intake documents extend`)

    def to_dict(self) -> dict[str, Any]:
        """The timestamp as plain JSON data."""
        return {"time": self.at.isoformat(), "authority": self.authority, "authority_checked": self.trusted,
                "kind": self.kind}


def authority_name(certificate: Any) -> str:
    """A readable name for a timestamp authority's certificate (asn1crypto)."""
    try:
        subject = certificate.subject.native
    except Exception:  # noqa: BLE001 - a broken name is still a timestamp
        return "an unnamed authority"
    return str(subject.get("common_name") or subject.get("organization_name") or certificate.subject.human_friendly)
