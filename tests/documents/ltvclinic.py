"""A clinic with a CA-issued seal and a timestamp authority, fixed times, and pyHanko's AdES long-term validation."""

from __future__ import annotations

import asyncio
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


class Clinic:
    """A clinic whose seal certificate (issued by its own CA) is valid from 1 January to 1 June 2026."""

    def __init__(self, folder: Path, tsa: Any, *, ca: bool = True, url: str | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.tsa = folder, tsa
        self.config_path = write_config(folder)
        if tsa is not None or url:
            add_timestamp_settings(self.config_path, url or tsa.url, tsa.root_file if ca and tsa else None,
                                   timeout=3)
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




def ades_lta(pdf: bytes, roots: list[Path], at: datetime):
    """pyHanko's AdES long-term validation at a fixed time, offline, with these trust anchors."""
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
    from pyhanko_certvalidator.policy_decl import NO_REVOCATION, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    anchors = [x509.Certificate.load(load_certificates(path)[0]) for path in roots]
    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=anchors),
                                      revinfo_policy=CertRevTrustPolicy(NO_REVOCATION))
    spec = SignatureValidationSpec(cert_validation_policy=policy, revinfo_gathering_policy=RevocationInfoGatheringSpec(
        online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY))
    seal = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=False)
    result = asyncio.run(ades_lta_validation(seal, PdfSignatureValidationSpec(spec), timing_info=timing))
    return result.api_status is not None and result.api_status.bottom_line, result


