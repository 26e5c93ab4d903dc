"""Provides the whole `intake ask` session: questions, review, assessment, signatures and sealed documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intake.errors import IntakeError
from intake.prompt.walker import Walker
from intake.questionnaire import localize
from intake.signing import same_name

VERDICT_FOR_CLIENT = {
    "suitable": "Good news: nothing in your answers stops us treating you.",
    "caution": "You can be treated; your practitioner will adjust the plan to suit your skin.",
    "clearance": "Before we can treat you, we need a doctor's approval or a little more time.",
    "defer": "We can't treat you today. This is about keeping you safe.",
}
IDENTIFYING = ("full_name", "date_of_birth")


class NotResumable(IntakeError):
    """The intake asked for is not a draft."""


class AskSession:
    """One client's intake at plain prompts, saved through the store after every step.

    Args:
        engine: the loaded Engine.
        prompter: where questions are asked (questionary, or a fake in tests).
        store: an open records Store.
        renderer: a documents PacketRenderer (long-lived).
        staff, device: who and where, for the audit trail.
        out_dir: the folder for finished documents.
        clock: returns an aware datetime (injectable for tests).
    """

    def __init__(self, engine, prompter, store, renderer, *, staff: str, device: str, out_dir: Path,
                 clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.prompter = prompter
        self.store = store
        self.renderer = renderer
        self.staff, self.device = staff, device
        self.out_dir = Path(out_dir)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.language = engine.language
        self.intake_id: str | None = None
        self.status = "draft"

    # -- the session ------------------------------------------------------------------------

    def run(self, resume_id: str | None = None) -> list[Path]:
        """Runs the intake to the end and returns the document paths.

        A resumed draft continues at its next step; a resumed submitted intake at the signatures, or at
        the practitioner's part when the client's signatures were kept.
        """
        view = self._resumable(resume_id) if resume_id else None
        kept = None
        if view is not None and view.record is not None:
            record, answers = dict(view.record), dict(view.record["answers"])
            kept = view.signatures
        else:
            answers, start, consultation_date = self._start(view)
            walker = Walker(self.engine, self.prompter, consultation_date)
            answers = self._ask_steps(walker, answers, start, prefill_offered=view is not None)
            answers = self._review(walker, answers)
            record = self.engine.new_record(consultation_date, answers, record_id=self.intake_id)
        assessment = self.engine.assess(record)
        if self.status == "draft":
            self.store.submit(self.intake_id, record=record, assessment=assessment.to_dict(),
                              staff=self.staff, device=self.device)
            self.status = "deferred" if assessment.verdict == "defer" else "submitted"
        self._tell_outcome(assessment)
        if assessment.verdict == "defer":
            packet = self.renderer.render(record, issued_at=self.clock())
        else:
            packet = self._sign_and_render(record, assessment, answers, kept)
            if packet is None:
                return []
        self.store.add_documents(self.intake_id, packet.documents, staff=self.staff, device=self.device)
        self.status = "deferred" if assessment.verdict == "defer" else "signed"
        paths = packet.write(self.out_dir / self.intake_id)
        self.prompter.say("\nDocuments saved:")
        for path in paths:
            self.prompter.say(f"  {path}")
        return paths

    def _resumable(self, resume_id: str):
        """The stored intake to continue: a draft, or a submitted one still without documents."""
        view = self.store.load_intake(resume_id)
        if view.status not in ("draft", "submitted", "deferred") or view.documents:
            raise NotResumable(f"intake {view.intake_id} is {view.status}"
                               f"{' and has its documents' if view.documents else ''}; there is nothing to resume "
                               f"(see `intake records show {view.intake_id}`).")
        self.intake_id, self.status = view.intake_id, view.status
        waiting = {"draft": "", "submitted": ": submitted, waiting for the signatures and the practitioner",
                   "deferred": ": deferred, waiting for the letter"}[view.status]
        self.prompter.say(f"Resuming intake {view.intake_id}{waiting}.")
        return view

    def _start(self, view) -> tuple[dict[str, Any], str | None, str]:
        if view is not None:
            return dict(view.answers), view.next_step, view.consultation_date
        consultation_date = self.clock().astimezone(self.engine.config.timezone).date().isoformat()
        self.intake_id = self.store.start_intake(staff=self.staff, device=self.device,
                                                 consultation_date=consultation_date)
        self.prompter.say(f"{localize(self.engine.questionnaire.title, self.language)} — "
                          f"{self.engine.config.clinic['name']}\n"
                          "Your answers are saved after each step. Press Ctrl-C at any time to stop; "
                          "nothing is lost.")
        return {}, self.engine.questionnaire.steps[0].id, consultation_date

    def _ask_steps(self, walker: Walker, answers: dict[str, Any], start: str | None,
                   prefill_offered: bool) -> dict[str, Any]:
        steps = list(self.engine.questionnaire.steps)
        if start is None and answers:
            return answers  # every step was answered before the stop: go to the review
        first = next((i for i, s in enumerate(steps) if s.id == start), 0)
        for index in range(first, len(steps)):
            step_id = steps[index].id
            answers = walker.ask_step(steps[index], answers, index + 1, len(steps),
                                      on_answer=lambda partial, step_id=step_id: self._save(step_id, partial, step_id))
            following = steps[index + 1].id if index + 1 < len(steps) else None
            self._save(steps[index].id, answers, following)
            if not prefill_offered and all(answers.get(q) for q in IDENTIFYING):
                prefill_offered = True
                answers = self._offer_prefill(answers)
        return answers

    def _save(self, step_id: str, answers: dict[str, Any], next_step: str | None) -> None:
        own = {q.id for q in self.engine.questionnaire.step(step_id).questions}
        self.store.save_step(self.intake_id, step_id=step_id, answers={k: v for k, v in answers.items() if k in own},
                             next_step=next_step, staff=self.staff, device=self.device)

    def _offer_prefill(self, answers: dict[str, Any]) -> dict[str, Any]:
        earlier = self.store.find_returning(answers["full_name"], answers["date_of_birth"])
        if not earlier:
            return answers
        use = self.prompter.confirm("prefill", "Welcome back! Shall we start from the answers you gave last time? "
                                    "You will still check every one.", default=True)
        return {**earlier, **answers} if use else answers

    # -- review -------------------------------------------------------------------------------

    def _review(self, walker: Walker, answers: dict[str, Any]) -> dict[str, Any]:
        q = self.engine.questionnaire
        steps = list(q.steps)
        while True:
            self.prompter.say("\nPlease check your answers:")
            for step in steps:
                self.prompter.say(f"\n  {localize(step.title, self.language)}")
                for question in q.visible_in(step, answers):
                    shown = q.display(question, answers.get(question.id), self.language)
                    self.prompter.say(f"    {localize(question.label, self.language)}: {shown}")
            choice = self.prompter.select("review", "Are these answers true and complete?", [
                ("confirm", "Yes, they are true and complete"),
                ("edit", "No, I want to change something"),
            ])
            if choice == "confirm":
                return answers
            step_id = self.prompter.select("review_step", "Which part would you like to change?",
                                           [(s.id, localize(s.title, self.language)) for s in steps])
            index = next(i for i, s in enumerate(steps) if s.id == step_id)
            answers = walker.ask_step(steps[index], answers, index + 1, len(steps))
            self._save(step_id, answers, None)

    # -- outcome, signatures, documents -------------------------------------------------------

    def _tell_outcome(self, assessment) -> None:
        self.prompter.say(f"\n{VERDICT_FOR_CLIENT[assessment.verdict]}")
        for finding in assessment.findings:
            self.prompter.say(f"  - {finding.client_message}")

    def _show_information(self) -> None:
        """Shows what the client consents to, from the same data as the wizard's information screen."""
        from intake.consent_info import load_texts

        info = load_texts(self.engine.config.templates_dir, self.engine.questionnaire.languages,
                          self.language)["information"]
        self.prompter.say(f"\n{info['title']}\n{info['intro']}")
        for section in info["sections"]:
            self.prompter.say(f"\n  {section['heading']}")
            for point in section["points"]:
                self.prompter.say(f"   - {point}")
        while not self.prompter.confirm("information", "I have read this information and my questions have been "
                                        "answered.", default=True):
            self.prompter.say("  Please ask a member of staff your questions now; we continue when you are ready "
                              "(Ctrl-C stops, and your answers stay saved).")

    def _typed_signature(self, key: str, kind: str, full_name: str):
        from intake.documents import Signature

        statement = self.renderer.statement(kind)
        self.prompter.say(f"\n{statement}")

        def check(typed: str) -> bool | str:
            return True if same_name(typed, full_name) else f"Please type your name as you gave it: {full_name}"

        typed = self.prompter.text(key, "Type your full name to sign", validate=check)
        return Signature(method="typed", name=typed.strip(), intent_statement=statement, signed_at=self.clock())

    def _kept_signatures(self, kept: dict[str, Any] | None, photo_needed: bool):
        """The signatures kept by an earlier, interrupted session, or None when the client must sign again."""
        from intake.documents import Signature

        try:
            client = Signature.from_dict((kept or {})["consent"])
            photo = Signature.from_dict(kept["photo_consent"]) if photo_needed else None
        except (KeyError, IntakeError):
            return None
        when = client.signed_at.astimezone(self.engine.config.timezone)
        self.prompter.say(f"\nThe client signed on {when:%d %B %Y at %H:%M}; their signatures were kept for the "
                          "practitioner.")
        return client, photo

    def _sign_and_render(self, record: dict[str, Any], assessment, answers: dict[str, Any],
                         kept: dict[str, Any] | None = None):
        from intake.documents import Countersignature

        full_name = answers["full_name"]
        photo_needed = answers.get("photo_consent") is True
        signed = self._kept_signatures(kept, photo_needed)
        if signed is None:
            self._show_information()
            client = self._typed_signature("signature", "consent", full_name)
            photo = self._typed_signature("photo_signature", "photo_consent", full_name) if photo_needed else None
            signatures = {"consent": client.to_dict(), **({"photo_consent": photo.to_dict()} if photo else {})}
            self.store.keep_signatures(self.intake_id, signatures, staff=self.staff, device=self.device)
            self.prompter.say("\nThank you. Please hand over to the practitioner.")
        else:
            client, photo = signed
        practitioners = [(p.id, f"{p.name} ({p.role})" if p.role else p.name)
                         for p in self.engine.config.practitioners]
        practitioner_id = self.prompter.select("practitioner", "Practitioner reviewing this intake", practitioners)
        self.prompter.say(f"Suitability: {assessment.verdict.upper()}")
        for finding in assessment.findings:
            self.prompter.say(f"  [{finding.severity}] {finding.practitioner_message}")
        decision, reason = "none", ""
        if assessment.verdict == "clearance":
            decision = self.prompter.select("decision", "Clearance is needed. What happens now?", [
                ("clearance_noted", "Clearance has been obtained (note what)"),
                ("override", "Treat anyway, on my professional judgement (give the reason)"),
                ("stop", "Stop here: no treatment until clearance"),
            ])
            if decision == "stop":
                self.prompter.say(f"Intake {self.intake_id} is saved as submitted with the client's signatures; "
                                  f"continue it with `intake ask --resume {self.intake_id}` once cleared.")
                return None
            reason = self.prompter.text("reason", "Reason (what was obtained, or why)",
                                        validate=lambda t: True if t.strip() else "Please give the reason.").strip()
            self.store.record_decision(self.intake_id, practitioner_id=practitioner_id, kind=decision, reason=reason,
                                       staff=self.staff, device=self.device)
        if not self.prompter.confirm("countersign", "I have reviewed the answers and the suitability outcome, and I "
                                     "countersign this consent.", default=False):
            self.prompter.say(f"Not countersigned. Intake {self.intake_id} is saved as submitted with the client's "
                              f"signatures; continue it with `intake ask --resume {self.intake_id}`.")
            return None
        plan = self.engine.default_plan(record, assessment)
        counter = Countersignature(practitioner_id=practitioner_id, signed_at=self.clock(), decision=decision,
                                   reason=reason, plan=plan)
        self.prompter.say("Preparing and sealing your documents…")
        return self.renderer.render(record, client_signature=client, countersignature=counter, photo_signature=photo)
