"""Provides PacketRenderer: the long-lived object that turns a record and signatures into sealed PDF/A-3 documents."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from intake import kindstop
from intake.documents.compression import pdf_compression
from intake.documents.context import Inputs, build_context, photo_consent_given
from intake.documents.errors import (
    ConsentRefusedError,
    RecordNotReadyError,
    SignatureInputError,
    TemplateProblemError,
)
from intake.documents.fetcher import BASE_URL, TemplateAssetFetcher, blocked_message
from intake.documents.formatting import make_filters
from intake.documents.model import (
    Countersignature,
    Document,
    Packet,
    Signature,
    check_signature,
    check_signer,
    check_time,
    utc_text,
)
from intake.documents.payload import (
    ATTACHMENT_DESCRIPTION,
    ATTACHMENT_NAME,
    build_payload,
    encode,
    fingerprint,
)
from intake.documents.practitioner import check_countersignature
from intake.documents.prepared import PreparedPDFs, layout_key
from intake.documents.seal import SealIdentity, load_seal_identity
from intake.documents.source import DocumentSource
from intake.documents.templates import document_language, load_template_set, set_version
from intake.documents.witness import AuditWitness
from intake.documents.wording import folder_wordings
from intake.signing import guardian_required, photo_signature_problem

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.engine import Engine

PAPER_SIZES = {"A4": "A4", "Letter": "letter"}
PDF_VARIANT = "pdf/a-3b"


class PacketRenderer:
    """Renders the document packet of a record; build it once and keep it.

    The templates, stylesheet and assets are read once (a consistent snapshot), the stylesheet is
    parsed once and one FontConfiguration is shared. `render` may be called from any thread;
    calls are serialised. The seal key is loaded on the first sealed render.

    Args:
        engine: the loaded Engine (configuration, questionnaire, rules, treatment defaults).
        templates_dir: the templates folder (default: the configuration's).
        paper: "A4" or "Letter" (default: [documents] paper, else A4).
    """

    def __init__(self, engine: Engine, *, templates_dir: str | Path | None = None, paper: str | None = None) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.engine = engine
        self.templates = load_template_set(Path(templates_dir or engine.config.templates_dir),
                                           make_filters(engine.config.timezone, document_language))
        #: what each file of the templates says (intake.documents.wording), recorded beside its exact version
        self.wordings = folder_wordings(self.templates.folder, self.templates.versions)
        self.fetcher = TemplateAssetFetcher(self.templates.assets)
        self.font_config = FontConfiguration()
        paper = paper or engine.config.section("documents").get("paper", "A4")
        if paper not in PAPER_SIZES:
            raise TemplateProblemError(f"paper size {paper!r} is not supported; use A4 or Letter.")
        self.paper = paper
        self._lock = threading.RLock()  # WeasyPrint's font machinery is shared: one render at a time
        self._identity: SealIdentity | None = None
        self.prepared = PreparedPDFs()  # PDFs written ahead of the countersignature (see `prepare`)
        from weasyprint.urls import FatalURLFetchingError

        with self._lock:
            self.fetcher.begin()
            try:
                self.stylesheets = [
                    CSS(string=self.templates.stylesheet, base_url=BASE_URL, url_fetcher=self.fetcher,
                        font_config=self.font_config),
                    CSS(string=f"@page {{ size: {PAPER_SIZES[paper]}; }}", base_url=BASE_URL,
                        url_fetcher=self.fetcher, font_config=self.font_config),
                ]
            except FatalURLFetchingError as exc:
                raise TemplateProblemError(blocked_message(exc)) from None
            if self.fetcher.blocked:
                raise TemplateProblemError(blocked_message(self.fetcher.blocked[0]))

    # -- public ---------------------------------------------------------------------------------

    def statement(self, kind: str, language: str | None = None) -> str:
        """The default statement a client affirms when signing "consent" or "photo_consent" (in `language`, by
        default the clinic's)."""
        return self.templates.statement(kind, language or self.engine.language)

    @property
    def seal_identity(self) -> SealIdentity:
        """The clinic seal, loaded once (SealKeyError when no usable seal key or certificate is configured)."""
        with self._lock:
            if self._identity is None:
                self._identity = load_seal_identity(self.engine.config)
            return self._identity

    def render(self, record: Mapping[str, Any], *, client_signature: Signature | None = None,
               countersignature: Countersignature | None = None, photo_signature: Signature | None = None,
               sealed: bool = True, issued_at: datetime | None = None, kind_stop: bool = False) -> Packet:
        """Renders the packet: consent (with the photo consent section when agreed) + aftercare, or the deferral letter.

        Args:
            record: a complete intake record.
            client_signature: the client's signature on the consent; leave out for a deferral.
            countersignature: the practitioner's countersignature (required for a consent).
            photo_signature: the photo consent section's signature, its own or the consent's chosen again
                (`same_as_consent`), required exactly when the client agreed to photos.
            sealed: seal every document with the clinic's key (False gives an unsealed preview).
            issued_at: the date and time of a deferral letter that has no countersignature, or of an
                unsigned preview (sealed=False and no signatures: the consent as the client will read it).
            kind_stop: the record holds the answers given up to a kind stop (`intake.kindstop.record_problems`);
                only its deferral letter is rendered.

        Raises:
            RecordNotReadyError: the record is not valid.
            ConsentRefusedError: a consent was asked for (a client signature given) but the verdict is defer.
            SignatureInputError: a signature is missing, malformed, or does not fit the assessment.
            TemplateProblemError: a template is broken or tried to load a resource.
            SealKeyError: sealing was asked for but no usable seal is configured.
        """
        with self._lock:
            inputs = self._inputs(record, client_signature, countersignature, photo_signature, issued_at, sealed,
                                  kind_stop)
            identity = self.seal_identity if sealed else None
            return self._render(inputs, identity)

    def prepare(self, record: Mapping[str, Any], *, client_signature: Signature | None = None,
                countersignature: Countersignature | None = None, photo_signature: Signature | None = None,
                kind_stop: bool = False) -> int:
        """Lays out and writes a sealed packet's PDFs ahead, for the countersignature expected; returns how many
        documents it holds.

        The PDFs are kept in memory, unsealed, beside the previous preparation (see prepared.py): a later sealed
        `render` whose documents come out identical only seals them. A document already held for identical
        inputs is not written again, so a change costs only the documents it alters. Same arguments and errors
        as `render` (a preparation for inputs that do not fit keeps nothing).
        """
        generation = self.prepared.begin()
        with self._lock:
            inputs = self._inputs(record, client_signature, countersignature, photo_signature, None, True, kind_stop)
            identity = self.seal_identity
            layouts, attachment = self._layouts(inputs, identity)
            missing = set(self.prepared.missing([layout.key for layout in layouts]))
            pdfs = {layout.key: self.write_pdf(layout.html, attachment, inputs.issued_at, layout.info)
                    for layout in layouts if layout.key in missing}
        return len(layouts) if self.prepared.keep(generation, [layout.key for layout in layouts], pdfs) else 0

    def forget(self) -> None:
        """Drops whatever was prepared (the client has gone), including a preparation still under way."""
        self.prepared.forget()

    # -- checks -------------------------------------------------------------------------------

    def _inputs(self, record: Mapping[str, Any], client: Signature | None, counter: Countersignature | None,
                photo: Signature | None, issued_at: datetime | None, sealed: bool, kind_stop: bool = False) -> Inputs:
        engine = self.engine
        problems = kindstop.record_problems(engine, record) if kind_stop else engine.validate(record)
        if problems:
            raise RecordNotReadyError(problems)
        assessment = engine.assessor.assess(record)
        answers = engine.questionnaire.prune(record["answers"])
        record_id, derived = record.get("record_id"), False
        if not record_id:
            canonical = json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")
            record_id, derived = "derived-" + hashlib.sha256(canonical).hexdigest()[:12], True
        if assessment.verdict == "defer":
            if client is not None or photo is not None:
                reasons = "; ".join(f.practitioner_message for f in assessment.of_severity("defer"))
                raise ConsentRefusedError(
                    f"no consent can be signed: the suitability verdict is DEFER ({reasons}). Render without a "
                    "client signature to produce the deferral letter instead.")
            counter = check_countersignature(engine, counter, assessment, None, deferral=True) if counter else None
            return Inputs(record, answers, record_id, derived, assessment, None, None, None, counter,
                          _letter_time(counter, issued_at), counter.entered_at if counter else None,
                          counter.sealed_at if counter else None)
        if client is None and counter is None and photo is None and not sealed:
            if issued_at is None:
                raise SignatureInputError("an unsigned preview needs its date and time: pass issued_at.")
            plan = engine.default_plan(record, assessment)
            return Inputs(record, answers, record_id, derived, assessment, plan, None, None, None,
                          check_time(issued_at, "the preview"))
        if client is None:
            raise SignatureInputError("a consent needs the client's signature (drawn or typed).")
        if counter is None:
            raise SignatureInputError("a consent needs the practitioner's countersignature.")
        client, photo = self._client_signatures(record, answers, assessment, client, photo)
        plan = counter.plan if isinstance(counter, Countersignature) and counter.plan is not None \
            else engine.default_plan(record, assessment)
        counter = check_countersignature(engine, counter, assessment, plan)
        if counter.signed_at < client.signed_at:
            raise SignatureInputError(f"the practitioner's countersignature ({utc_text(counter.signed_at)}) is "
                                      f"earlier than the client's signature ({utc_text(client.signed_at)}).")
        return Inputs(record, answers, record_id, derived, assessment, plan, client, photo, counter, counter.signed_at,
                      counter.entered_at, counter.sealed_at)

    def _client_signatures(self, record: Mapping[str, Any], answers: Mapping[str, Any], assessment: Assessment,
                           client: Signature, photo: Signature | None) -> tuple[Signature, Signature | None]:
        """The client's consent signature and photo consent signature, each checked against who must sign."""
        engine = self.engine
        client = check_signature(client, "the client's signature")
        policy = engine.config.age_policy
        guardian, band = guardian_required(assessment.age, policy), policy.band(assessment.age)
        check_signer(client, answers["full_name"], guardian, "the client's signature", answers.get("guardian_name"),
                     band)
        consultation = datetime.fromisoformat(record["consultation_date"]).replace(tzinfo=engine.config.timezone)
        if client.signed_at < consultation:
            raise SignatureInputError(f"the client's signature ({utc_text(client.signed_at)}) is dated before the "
                                      f"consultation day {record['consultation_date']}.")
        if photo_consent_given(answers):
            if photo is None:
                raise SignatureInputError("the client agreed to photos, so the photo consent needs its own "
                                          "signature: pass photo_signature.")
            photo = check_signature(photo, "the photo consent signature")
            check_signer(photo, answers["full_name"], guardian, "the photo consent signature",
                         answers.get("guardian_name"), band)
            if problem := photo_signature_problem(client, photo):
                raise SignatureInputError(problem)
        elif photo is not None:
            raise SignatureInputError("the client did not agree to photos; there is no photo consent to sign.")
        return client, photo

    # -- rendering ----------------------------------------------------------------------------

    def _kinds(self, inputs: Inputs) -> list[str]:
        if inputs.assessment.verdict == "defer":
            return ["deferral"]
        return ["consent", "aftercare"]

    def _layouts(self, inputs: Inputs, identity: SealIdentity | None) -> tuple[list[_Layout], bytes]:
        """Each document's final HTML and information entries, and the data embedded in all of them."""
        def payload(versions: Mapping[str, Mapping[str, str]], sets: Mapping[str, str]) -> Mapping[str, Any]:
            return build_payload(self.engine, inputs, versions, sets)

        # the documents word the findings in the record's language; the data they embed keeps the clinic's words,
        # so that what is embedded and exported does not depend on the language the client chose
        language = self.engine.documents_language(inputs.record)
        worded = inputs if language == self.engine.language else \
            replace(inputs, assessment=self.engine.assessor_in(language).assess(inputs.record))
        base = build_context(self.engine, worded)
        base["statements"] = {kind: self.statement(kind, str(base["language"]))
                              for kind in ("consent", "photo_consent")}
        return self._lay_out(self._kinds(inputs), payload, base, inputs.issued_at, inputs.record_id, identity)

    def _lay_out(self, kinds: list[str], payload: PayloadBuilder, base: Mapping[str, Any], issued_at: datetime,
                 record_id: str, identity: SealIdentity | None) -> tuple[list[_Layout], bytes]:
        """The documents of `kinds` laid out from one context, all embedding the data `payload(versions, sets)`
        gives (the one path of every document intake makes: the consultation's and a visit's alike)."""
        language = str(base.get("language") or self.engine.language)
        versions = {kind: self.templates.versions_for(kind, language) for kind in kinds}
        sets = {kind: set_version(v) for kind, v in versions.items()}
        built = payload(versions, sets)  # with what each document says, beside its files' versions (wording.py)
        attachment = encode({**built, "documents": {
            kind: {**built["documents"][kind], "wording": {n: self.wordings[n] for n in versions[kind]
                                                           if n in self.wordings}}
            for kind in kinds}})
        data_sha256 = fingerprint(attachment)
        base = dict(base)
        base["seal"] = None if identity is None else {
            "organisation": identity.certificate.organisation, "subject": identity.certificate.subject,
            "fingerprint": identity.certificate.fingerprint, "demo": identity.certificate.demo,
            "self_signed": identity.certificate.self_signed,
        }
        layouts = []
        for kind in kinds:
            context = dict(base)
            context["document"] = {
                "kind": kind, "template_set": sets[kind], "template_versions": versions[kind],
                "data_sha256": data_sha256, "data_name": ATTACHMENT_NAME, "created": utc_text(issued_at),
                "sealed": identity is not None, "generator": f"intake {_version()}",
            }
            html = self.templates.render(kind, context)
            info = {"IntakeDataSHA256": data_sha256, "IntakeDocument": kind, "IntakeRecord": record_id,
                    "IntakeTemplateSet": sets[kind]}
            layouts.append(_Layout(kind, versions[kind], html, info,
                                   layout_key(html, attachment, issued_at, info)))
        return layouts, attachment

    def _render(self, inputs: Inputs, identity: SealIdentity | None) -> Packet:
        layouts, attachment = self._layouts(inputs, identity)
        prepared = self.prepared.take() if identity is not None else {}  # used at most once, by a sealed render
        witness = inputs.counter.witness if inputs.counter is not None else None
        documents = self._finish(layouts, attachment, prepared, identity, inputs.issued_at,
                                 inputs.entered_at or inputs.sealed_at or inputs.issued_at, inputs.record_id, witness)
        return Packet(inputs.record_id, inputs.assessment.verdict, documents, attachment, fingerprint(attachment))

    def _finish(self, layouts: list[_Layout], attachment: bytes, prepared: Mapping[str, bytes],
                identity: SealIdentity | None, issued_at: datetime, sealed_at: datetime, record_id: str,
                witness: AuditWitness | None) -> list[Document]:
        """Writes each laid-out document as PDF/A-3b and seals it with the clinic's key (when `identity`)."""
        stamp = issued_at.strftime("%Y%m%dT%H%M%SZ")
        documents = []
        for layout in layouts:
            pdf = prepared.get(layout.key)
            if pdf is None:
                pdf = self.write_pdf(layout.html, attachment, issued_at, layout.info)
            if identity is not None:
                clinic = self.engine.config.clinic
                pdf = identity.seal(pdf, sealed_at, reason=self.statement("seal_reason"), location=clinic["address"],
                                    name=clinic["name"], contact=clinic["phone"],
                                    properties=witness.properties() if witness is not None else None)
            filename = f"{record_id}_{layout.kind}_{stamp}.pdf"
            documents.append(Document(layout.kind, filename, pdf, hashlib.sha256(pdf).hexdigest(), layout.versions,
                                      identity is not None))
        return documents

    def render_documents(self, documents: DocumentSource, *, sealed: bool = True) -> Packet:
        """Renders and seals documents that are not an intake's (a visit's session record, aftercare sheet or
        deferral letter) through the same layout, PDF/A-3b writer and seal as the consultation's.

        Raises:
            TemplateProblemError: a template is broken or tried to load a resource.
            SealKeyError: sealing was asked for but no usable seal is configured.
        """
        with self._lock:
            identity = self.seal_identity if sealed else None
            issued_at = check_time(documents.issued_at, "the document")
            data = dict(documents.data)

            def payload(versions: Mapping[str, Mapping[str, str]], sets: Mapping[str, str]) -> dict[str, Any]:
                return {**data, "documents": {kind: {"template_set": sets[kind], "templates": dict(files)}
                                              for kind, files in versions.items()}}

            layouts, attachment = self._lay_out(list(documents.kinds), payload, documents.context,
                                                issued_at, documents.record_id, identity)
            made = self._finish(layouts, attachment, {}, identity, issued_at, issued_at, documents.record_id,
                                documents.witness)
            return Packet(documents.record_id, documents.verdict, made, attachment, fingerprint(attachment))

    def write_pdf(self, html: str, attachment: bytes, created: datetime, info: Mapping[str, str]) -> bytes:
        """Lays out final HTML as PDF/A-3b with the data attached (no seal).

        Raises:
            TemplateProblemError: the HTML tried to load anything but a template asset.
        """
        import pydyf
        from weasyprint import HTML, Attachment
        from weasyprint.urls import FatalURLFetchingError

        stamp = created.replace(tzinfo=None)  # WeasyPrint writes attachment dates as UTC
        attached = Attachment(string=attachment, base_url=BASE_URL, url_fetcher=self.fetcher, name=ATTACHMENT_NAME,
                              description=ATTACHMENT_DESCRIPTION, created=stamp, modified=stamp,
                              relationship="Source")

        def finisher(_document: Any, pdf: Any) -> None:
            for key, value in info.items():
                pdf.info[key] = pydyf.String(value)

        with self._lock, pdf_compression():
            self.fetcher.begin()
            try:
                pdf: bytes = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).write_pdf(
                    stylesheets=self.stylesheets, font_config=self.font_config, attachments=[attached],
                    pdf_variant=PDF_VARIANT, presentational_hints=False, custom_metadata=False,
                    finisher=finisher,
                )
            except FatalURLFetchingError as exc:
                raise TemplateProblemError(blocked_message(exc)) from None
            if self.fetcher.blocked:
                raise TemplateProblemError(blocked_message(self.fetcher.blocked[0]))
            return pdf


#: payload(template versions per kind, template set per kind) -> the data embedded in every document
PayloadBuilder = Callable[[Mapping[str, Mapping[str, str]], Mapping[str, str]], Mapping[str, Any]]


class _Layout(NamedTuple):
    """One document ready to be written: its kind, template versions, final HTML, entries and layout key."""

    kind: str
    versions: Mapping[str, str]
    html: str
    info: dict[str, str]
    key: str


def _version() -> str:
    from intake import __version__

    return __version__


def _letter_time(counter: Countersignature | None, issued_at: datetime | None) -> datetime:
    """A deferral letter is dated by the practitioner's countersignature, or else by the time it is issued at."""
    if counter is not None:
        return counter.signed_at
    if issued_at is not None:
        return check_time(issued_at, "the deferral letter")
    raise SignatureInputError("a deferral letter needs its date and time: pass issued_at, or the "
                              "practitioner's countersignature.")
