"""A clinic with a CA-issued seal and a timestamp authority, fixed times, and pyHanko's AdES long-term validation."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intake.config import load_config
from intake.documents import Countersignature, PacketRenderer, Signature
from intake.documents.keys import load_certificates
from intake.engine import Engine
from tests.conftest import load_example
from tests.documents.conftest import write_config
from tests.documents.tsa import add_timestamp_settings, make_ca_issued_seal

CERT_FROM, CERT_UNTIL = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
SEALED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
STAMPED_AT = SEALED_AT + timedelta(minutes=1)
EXTENDED_AT = datetime(2026, 5, 1, tzinfo=UTC)
AFTER_EXPIRY = datetime(2027, 1, 1, tzinfo=UTC)  # the seal certificate expired on 2026-06-01
TSA_FROM, TSA_UNTIL = datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)
#: Seconds the clinic waits for the test's own authorities on loopback. They answer in milliseconds when the
#: machine is quiet, but a loaded machine (the whole suite on two cores) once took longer than 3 s; an
#: authority that is down is refused at once on loopback, so a generous limit slows no test.
LOOPBACK_TIMEOUT = 30


class Clinic:
    """A clinic whose seal certificate (issued by its own CA) is valid from 1 January to 1 June 2026."""

    def __init__(self, folder: Path, tsa: Any, *, ca: bool = True, url: str | None = None,
                 revocation_hosts: tuple[str, ...] = ()):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.tsa = folder, tsa
        self.config_path = write_config(folder)
        if tsa is not None or url:
            add_timestamp_settings(self.config_path, url or tsa.url, tsa.root_file if ca and tsa else None,
                                   timeout=LOOPBACK_TIMEOUT, revocation_hosts=revocation_hosts)
        self.config = load_config(self.config_path)
        self.ca_file = folder / "keys" / "clinic-ca.pem"
        if not self.ca_file.exists():
            make_ca_issued_seal(folder / "keys" / "seal-key.pem", folder / "keys" / "seal-cert.pem", CERT_FROM,
                                CERT_UNTIL)
        self.engine = Engine.load(self.config_path)
        self.renderer = PacketRenderer(self.engine)

    def consent(self) -> bytes:
        record = load_example("suitable")
        record["consultation_date"] = SEALED_AT.date().isoformat()
        name = record["answers"]["full_name"]
        sign = Signature("typed", name, self.renderer.statement("consent"), SEALED_AT)
        photo = Signature("typed", name, self.renderer.statement("photo_consent"), SEALED_AT) \
            if record["answers"].get("photo_consent") else None
        packet = self.renderer.render(record, client_signature=sign, photo_signature=photo,
                                      countersignature=Countersignature("ajordan", SEALED_AT))
        return next(d.pdf for d in packet.documents if d.kind == "consent")


@contextlib.contextmanager
def pyhanko_clock(moment: datetime):
    """pyHanko's AdES past validation starts its time slide at the clock's now (pyhanko_certvalidator's
    past_validate with no initial control time); pinned here to the validation moment, so that nothing
    depends on today."""
    import pyhanko.sign.validation.ades as ades_module
    import pyhanko_certvalidator.ltv.ades_past as past_module

    class Pinned(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment if tz is None else moment.astimezone(tz)

    saved = past_module.datetime, ades_module.datetime
    past_module.datetime = ades_module.datetime = Pinned  # type: ignore[misc]
    try:
        yield
    finally:
        past_module.datetime, ades_module.datetime = saved  # type: ignore[misc]


#: pyHanko's revocation policies by their legacy names: "soft-fail" is its ValidationContext's default
#: (check what a certificate declares, tolerate what cannot be found), "hard-fail" insists on what is
#: declared, "require" on revocation data for every certificate, "none" checks none.
REVOCATION_POLICIES = ("none", "soft-fail", "hard-fail", "require")


def ades_validation(pdf: bytes, roots: list[Path], at: datetime, revocation: str = "none", online: bool = False):
    """pyHanko's AdES long-term validation (ETSI EN 319 102-1) of the seal at a fixed time.

    Args:
        roots: the trust anchors (PEM files).
        revocation: one of REVOCATION_POLICIES.
        online: whether the validator may fetch revocation data for validation at `at` (never for the past:
            then only what the document carries counts), as a validator would years later.
    """
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    anchors = [x509.Certificate.load(load_certificates(path)[0]) for path in roots]
    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=anchors),
                                      revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy(revocation)))
    fetching = RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH if online else RevinfoOnlineFetchingRule.LOCAL_ONLY
    spec = SignatureValidationSpec(cert_validation_policy=policy, revinfo_gathering_policy=RevocationInfoGatheringSpec(
        online_fetching_rule=fetching))
    seal = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=False)
    with pyhanko_clock(at):
        return asyncio.run(ades_lta_validation(seal, PdfSignatureValidationSpec(spec), timing_info=timing))


def ades_lta(pdf: bytes, roots: list[Path], at: datetime):
    """pyHanko's AdES long-term validation at a fixed time, offline, with these trust anchors, checking no revocation
    data: (pyHanko's bottom line, the result)."""
    result = ades_validation(pdf, roots, at)
    return result.api_status is not None and result.api_status.bottom_line, result
