"""Provides the consent, aftercare and deferral documents: personal PDF/A-3 files, sealed and verifiable.

Public API (what the TUI, the prompt front end and the CLI call)::

    from intake.documents import PacketRenderer, Signature, Countersignature, Packet

    renderer = PacketRenderer(engine)            # long-lived: templates read and CSS parsed once
    packet = renderer.render(
        record,                                  # a complete intake record (validated here)
        client_signature=Signature(
            method="drawn",                      # or "typed"
            name="Maria Okonkwo-Smith",
            intent_statement=renderer.statement("consent"),
            signed_at=datetime.now(timezone.utc),  # timezone-aware
            strokes=[[(0.1, 0.6), (0.2, 0.4)]],  # points 0..1, y down; [] for "typed"
            aspect_ratio=3.0,                    # optional: pad width / height
        ),
        countersignature=Countersignature(
            practitioner_id="ajordan", signed_at=...,      # also the seal time
            decision="none",                     # | "clearance_noted" | "override" (needs reason)
            reason="", plan=None,                # plan: TreatmentPlan; None = engine.default_plan
        ),
        photo_signature=Signature(...),          # the photo consent section's own signature: required
                                                 # exactly when the client agreed to photos
        sealed=True,                             # False: unsealed preview, marked as such
        issued_at=None,                          # a deferral letter without countersignature, or an
                                                 # unsigned preview (sealed=False, no signatures)
    )
    packet.documents   # [Document(kind, filename, pdf, sha256, template_versions, sealed)]
    packet.write(out_dir)  # -> list[Path], files 0600, never overwrites a different file

A DEFER verdict gives the deferral letter only (signatures optional; a client signature raises
ConsentRefusedError). Otherwise the packet is the consent + the aftercare sheet. Photo consent is its
own section of the consent document (on its own page, with its own signature), only when agreed.
With sealed=False and no signatures at all, the consent renders as the client will read it before
signing (empty signature boxes, "Preview only" on every page; pass issued_at).
An invalid record raises RecordNotReadyError. Every error is an IntakeError subclass with a message
for people. `render` may be called from any thread, a worker thread being the natural place (it takes
a few tenths of a second); calls are serialised, and sealing works even inside a running event loop.

Keys and checking: `create_seal_identity(config, force=False)` makes the clinic's self-signed seal
(key 0600 + certificate, paths from [security]; with force, the replaced certificate is kept in
retired-seal-certificates/ beside it); `verify_pdf(data, config, at=None)` checks a document offline
against the current or an earlier certificate, with its RFC 3161 timestamps. With [security]
timestamp_url, seals carry trusted time (PAdES B-LTA); `extend_pdf(data, config, timestamper)` adds a
later document timestamp (intake.documents.ltv, intake.documents.timestamps).

A long-lived render process calls `settle_warm_process()` once after its first render: the objects
the warm renderer keeps leave the garbage collector's walks (intake.documents.warm).

Heavy libraries (WeasyPrint, pyHanko) load only when a name below is first used.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# pyHanko imports algorithms that newer `cryptography` releases deprecate (DSA since 51); intake never uses them,
# and their warning would land on the client's screen at plain prompts. Only pyHanko's deprecation notices are hidden.
warnings.filterwarnings("ignore", message=r".* is deprecated", module=r"pyhanko(\.|$)")

if TYPE_CHECKING:  # the real types for the type checker; at run time each name loads on first use (below)
    from intake.documents.errors import (
        ConsentRefusedError,
        DocumentError,
        OutputError,
        RecordNotReadyError,
        SealKeyError,
        SignatureInputError,
        TemplateProblemError,
        VerificationFailed,
    )
    from intake.documents.keys import create_seal_identity
    from intake.documents.ltv import extend_pdf
    from intake.documents.model import Countersignature, Document, Packet, Signature
    from intake.documents.renderer import PacketRenderer
    from intake.documents.seal import load_seal_identity
    from intake.documents.verify import VerificationReport, verify_pdf
    from intake.documents.warm import settle_warm_process

_EXPORTS = {
    "PacketRenderer": "intake.documents.renderer",
    "Signature": "intake.documents.model",
    "Countersignature": "intake.documents.model",
    "Document": "intake.documents.model",
    "Packet": "intake.documents.model",
    "create_seal_identity": "intake.documents.keys",
    "load_seal_identity": "intake.documents.seal",
    "settle_warm_process": "intake.documents.warm",
    "verify_pdf": "intake.documents.verify",
    "extend_pdf": "intake.documents.ltv",
    "VerificationReport": "intake.documents.verify",
    "DocumentError": "intake.documents.errors",
    "ConsentRefusedError": "intake.documents.errors",
    "RecordNotReadyError": "intake.documents.errors",
    "SignatureInputError": "intake.documents.errors",
    "TemplateProblemError": "intake.documents.errors",
    "SealKeyError": "intake.documents.errors",
    "OutputError": "intake.documents.errors",
    "VerificationFailed": "intake.documents.errors",
}

__all__ = [
    "ConsentRefusedError",
    "Countersignature",
    "Document",
    "DocumentError",
    "OutputError",
    "Packet",
    "PacketRenderer",
    "RecordNotReadyError",
    "SealKeyError",
    "Signature",
    "SignatureInputError",
    "TemplateProblemError",
    "VerificationFailed",
    "VerificationReport",
    "create_seal_identity",
    "extend_pdf",
    "load_seal_identity",
    "settle_warm_process",
    "verify_pdf",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'intake.documents' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
