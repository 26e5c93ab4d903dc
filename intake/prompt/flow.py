"""Provides the whole `intake ask` session: questions, review, assessment, signatures and sealed documents."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake import kindstop
from intake.consultation import consultation
from intake.errors import IntakeError
from intake.i18n import N_, documents_note, intake_words, language_name
from intake.kindstop import KindStop
from intake.lifecycle import Actor, ClientSignatures, Intake, Lifecycle, Renderer, signers
from intake.lifecycle.auth import Authenticated
from intake.prompt.keyed import labelled, yes_no
from intake.prompt.practitioner import PractitionerPart
from intake.prompt.prompter import typed_text
from intake.prompt.review import consultation_text, review, show_information
from intake.prompt.walker import Walker
from intake.questionnaire import localize
from intake.verdicts import verdict_text, wording

if TYPE_CHECKING:
    from intake.assessment import Assessment
    from intake.documents.model import Packet, Signature
    from intake.engine import Engine
    from intake.prompt.prompter import Prompter
    from intake.records.interface import RecordStore

IDENTIFYING = ("full_name", "date_of_birth")

#: What the client does once their part is over, at the terminal `intake ask` runs on.
PROMPT_HAND_BACK = N_("Please let a member of staff know.")


class NotResumable(IntakeError):
    """The intake asked for has nothing left to resume."""


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
        language: the language the client chose (`intake ask --language`; refused unless the clinic offers it).
            None: a new intake asks the client when the clinic offers more than one; a resumed one keeps its own.
    """

    def __init__(self, engine: Engine, prompter: Prompter, store: RecordStore, renderer: Renderer, *, staff: str,
                 device: str, out_dir: Path, clock: Callable[[], datetime] | None = None,
                 language: str | None = None, documents_language: str | None = None):
        self.engine = engine
        self.prompter = prompter
        self.store = store
        self.actor = Actor(staff, device)
        self.out_dir = Path(out_dir)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lifecycle = Lifecycle(engine, store, renderer, clock=self.clock)
        #: the language the client chose, checked now (None: not chosen yet)
        self.chosen = engine.offered_language(language) if language is not None else None
        #: the language chosen for the client's documents alone (`intake ask --documents-language`), checked now
        self.documents_language = engine.offered_documents_language(documents_language)
        #: the client's language (the intake's, once begun or resumed: see `Lifecycle.language`)
        self.language = self.chosen or engine.language
        #: the staff's language: the practitioner's part and staff prompts stay in it
        self.staff_language = engine.language
        self.intake: Intake | None = None
        #: set when an answer gave a deferral and the clinic stops kindly
        self.stopped: KindStop | None = None
        #: staff chose to carry on with every question after a kind stop (a misunderstanding)
        self.kind_stop_waived = False
        #: the practitioner, once proved by their PIN
        self.practitioner: Authenticated | None = None
        #: a returning client's earlier answers, offered to keep question by question (recorded only when kept)
        self.offered: dict[str, Any] = {}

    @property
    def intake_id(self) -> str | None:
        """The intake's id, once begun or resumed."""
        return self.intake.intake_id if self.intake else None

    @property
    def status(self) -> str:
        """The intake's status in the store."""
        return self.intake.status if self.intake else "draft"

    # -- the session ------------------------------------------------------------------------

    def run(self, resume_id: str | None = None) -> list[Path]:
        """Runs the intake to the end and returns the document paths.

        A resumed draft continues at its next step; a resumed submitted intake at the signatures, or at
        the practitioner's part when the client's signatures were kept.
        """
        life = self.lifecycle
        if resume_id:
            intake, stage, first = self._resume(resume_id)
        else:
            intake = self.intake = life.begin(self.actor, language=self.chosen or self._choose_language(),
                                              documents_language=self.documents_language)
            self._speak_to("client")
            title = localize(self.engine.questionnaire.title, self.language)
            self.prompter.say(f"{title} — {self.engine.config.clinic['name']}\n" + self._(
                "Your answers are saved after each step. Press Ctrl-C at any time to stop; nothing is lost."))
            stage, first = "steps", 0
        if stage in ("steps", "review"):
            self._speak_to("client")
            walker = Walker(self.engine, self.prompter, intake.consultation_date, self.language)
            start = life.steps[first].id if stage == "steps" else None
            answers = self._ask_steps(walker, dict(intake.answers), start, prefill_offered=resume_id is not None)
            if self.stopped is None:
                review(self, walker, answers)
            if self.stopped is not None:
                if not self._tell_kind_stop(intake, self.stopped, walker):
                    return []
            else:
                life.submit(intake, self.actor)
        assessment = intake.assessment
        told = life.client_assessment(intake)  # what the client is told, in their language
        if told is not None:
            self._tell_outcome(told)
        if self.stopped is not None or (assessment is not None and assessment.verdict == "defer"):
            letter = self._deferral_letter(intake)
            if letter is None:
                return []
            packet = letter
        else:
            assert assessment is not None  # submitted above, or loaded with its record
            signed = self._sign_and_render(intake, assessment)
            if signed is None:
                return []
            packet = signed
        paths = life.keep_documents(intake, packet, self.practitioner.actor if self.practitioner else self.actor,
                                    self.out_dir)
        folders = sorted({str(path.parent) for path in paths})
        self.prompter.say(f"\nDocuments saved in {folders[0] if len(folders) == 1 else 'these folders'}:")
        for path in paths:
            self.prompter.say(f"  {path.name if len(folders) == 1 else path}")
        return paths

    def todays_treatment(self) -> None:
        """Once the consultation is countersigned here: the practitioner records today's treatment as session 1
        and countersigns it, or says the client was not treated today (intake.prompt.treatment)."""
        intake, who = self.intake, self.practitioner
        if intake is None or who is None or intake.status != "signed":
            return
        from intake.lifecycle.visits import Visits
        from intake.prompt.treatment import AskTreatment

        self._speak_to("staff")
        AskTreatment(Visits(self.lifecycle), self.prompter, self.actor.device, self.out_dir).offer_first(
            intake.intake_id, who)

    def _(self, message: str) -> str:
        """One of the session's own words in the client's language."""
        return intake_words(self.language).gettext(message)

    def _speak_to(self, who: str) -> None:
        """The prompts' own words (hints, keys in words) from now on in the client's or the staff's language."""
        self.prompter.language = self.language if who == "client" else self.staff_language  # type: ignore[attr-defined]

    def _choose_language(self) -> str | None:
        """The client chooses the language of their intake when the clinic offers more than one (each named in
        itself); None when it offers one."""
        offered = self.engine.config.languages
        if len(offered) < 2:
            return None
        question = " / ".join(dict.fromkeys(intake_words(code).gettext("Which language would you like?")
                                            for code in offered))
        chosen: str = self.prompter.choose("language", question, labelled([(code, language_name(code))
                                                                              for code in offered]))
        self.language = chosen
        return chosen

    def _resume(self, resume_id: str) -> tuple[Intake, str, int]:
        """Loads the intake to resume and says where it stands; returns it, its stage and its first step index.

        A draft that stopped kindly carries on with every question only when staff say so.
        """
        life = self.lifecycle
        where = life.resume(resume_id)
        intake = self.intake = where.intake
        if intake.record is None:  # a submitted intake keeps its record's languages
            if self.chosen is not None:
                life.choose_language(intake, self.chosen, self.actor)
            if self.documents_language is not None:
                life.choose_documents_language(intake, self.documents_language, self.actor)
        self.language = life.language(intake)
        if where.stage == "done":
            raise NotResumable(f"intake {intake.intake_id} is {intake.status}"
                               f"{' and has its documents' if intake.status in ('signed', 'deferred') else ''}; "
                               f"there is nothing to resume (see `intake records show {intake.intake_id}`).")
        waiting = {"sign": ": submitted, waiting for the signatures and the practitioner",
                   "practitioner": ": submitted, waiting for the practitioner",
                   "letter": ": deferred, waiting for the letter"}.get(where.stage, "")
        self.prompter.say(f"Resuming intake {intake.intake_id}{waiting}.")
        stage, first = where.stage, where.step_index
        if stage in ("steps", "review") and self.kind_stop(dict(intake.answers)) is not None:
            self.kind_stop_waived = self.prompter.choose(
                "kind_stop_carry_on", "This intake stopped kindly at a deferral. Carry on with every question "
                "(for example, the answer was a misunderstanding and can be changed at the review)?",
                yes_no(self.engine.questionnaire, self.staff_language))
            if self.kind_stop_waived:  # from the step left unfinished when it stopped
                stage, first = "steps", life.first_problem_step(intake) or 0
        return intake, stage, first

    def _ask_steps(self, walker: Walker, answers: dict[str, Any], start: str | None,
                   prefill_offered: bool) -> dict[str, Any]:
        steps = list(self.engine.questionnaire.steps)
        if start is None and answers:
            return answers  # every step was answered before the stop: go to the review
        first = next((i for i, s in enumerate(steps) if s.id == start), 0)
        for index in range(first, len(steps)):
            step = steps[index]
            stop = self.kind_stop(answers)
            if stop is not None and not stop.still_needed:
                self.stopped = stop
                return answers
            answers = walker.ask_step(step, answers, index + 1, len(steps),
                                      on_answer=functools.partial(self._save_within, step),
                                      stop_when=functools.partial(self.stops_after, step),
                                      offered=self.offered)
            self.save(step, answers, steps[index + 1].id if index + 1 < len(steps) else None)
            if self.stops_after(step, answers):
                self.stopped = self.kind_stop(answers)
                return answers
            if not prefill_offered and all(answers.get(q) for q in IDENTIFYING):
                prefill_offered = True
                self.offered = self._offer_prefill(answers)
        return answers

    def kind_stop(self, answers: dict[str, Any]) -> KindStop | None:
        """The kind stop these answers call for (None when none, or when staff chose to carry on)."""
        assert self.intake is not None
        if self.kind_stop_waived:
            return None
        return kindstop.stop_for(self.engine, answers, self.intake.consultation_date)

    def stops_after(self, step, answers: dict[str, Any]) -> bool:
        """True when the answers gave a deferral and this step is not one the clinic still needs."""
        stop = self.kind_stop(answers)
        return stop is not None and step.id not in stop.still_needed

    def _tell_kind_stop(self, intake: Intake, stop: KindStop, walker: Walker) -> bool:
        """The kind stop: a gentle word for the client, then (for staff) why it stopped and the answers given.

        Returns:
            True when the practitioner issues the deferral letter now, False when the draft is kept.
        """
        title, message, hand_back = (self._(text) for text in (kindstop.CLIENT_TITLE, kindstop.CLIENT_MESSAGE,
                                                              PROMPT_HAND_BACK))
        self.prompter.say(f"\n{title}\n{message} {hand_back}")
        self._speak_to("staff")
        if not self.prompter.choose("kind_stop_staff", "Staff: show why the intake stopped?",
                                    yes_no(self.engine.questionnaire, self.staff_language)):
            self.prompter.say(f"Intake {intake.intake_id} is kept as a draft.")
            return False
        self.practitioner = PractitionerPart(self).unlock()
        if self.practitioner is None:
            self.prompter.say(f"Not unlocked. Intake {intake.intake_id} is kept as a draft.")
            return False
        why = ["\nStopped kindly: no treatment today. The client's answering ended at the answer below; after it "
               "they were asked only for contact details still missing (no consent statements, no signatures). "
               "Please talk with them.\nWhy it stopped:"]
        why.extend(f"  [{finding.severity}] {finding.question_label} → {finding.answer}\n"
                   f"      {finding.practitioner_message}" for finding in stop.findings)
        staff_walker = Walker(self.engine, self.prompter, intake.consultation_date, self.staff_language)
        why.append(consultation_text(staff_walker, consultation(
            self.engine.questionnaire, intake.answers, stop.findings, self.staff_language, unanswered=False,
            facts=self.engine.facts(intake.answers, intake.consultation_date))))
        choice = self.prompter.choose("kind_stop_letter", "What happens now?", labelled([
            ("keep", "Keep the draft: talk with the client first"),
            ("letter", "Issue the deferral letter now (after talking with the client)"),
        ]), above="\n".join(why))
        if choice == "letter":
            return True
        self.prompter.say(f"Intake {intake.intake_id} is kept as a draft; if the answer was a misunderstanding, "
                          f"`intake ask --resume {intake.intake_id}` carries on with every question.")
        return False

    def _save_within(self, step, answers: dict[str, Any]) -> None:
        """Keeps a step's answers so far in the draft, resuming at that same step."""
        self.save(step, answers, step.id)

    def save(self, step, answers: dict[str, Any], next_step: str | None) -> None:
        """Keeps one step's answers in the draft."""
        assert self.intake is not None
        self.lifecycle.save_step(self.intake, step, answers, next_step, self.actor)

    def _offer_prefill(self, answers: dict[str, Any]) -> dict[str, Any]:
        """A returning client's earlier answers to offer question by question, when they want them ({} if not)."""
        earlier = self.lifecycle.returning_answers(answers["full_name"], answers["date_of_birth"], self.actor)
        if not earlier:
            return {}
        use = self.prompter.choose("prefill", self._("Welcome back! Shall we offer the answers you gave last time? "
                                                     "You keep each one with its key, or give a new answer."),
                                   yes_no(self.engine.questionnaire, self.language))
        return {k: v for k, v in earlier.items() if k not in answers} if use else {}

    # -- outcome, signatures, documents -------------------------------------------------------

    def _tell_outcome(self, assessment: Assessment) -> None:
        self.prompter.say("\n" + self._(wording(assessment.verdict).client))
        for finding in assessment.findings:
            self.prompter.say(f"  - {finding.client_message}")

    def _typed_signature(self, intake: Intake, key: str, kind: str) -> Signature:
        name, capacity, relationship = self.lifecycle.signer(intake)
        if capacity != "client":
            self.prompter.say("\n" + self._("{name} signs for {client} as their {relationship}.").format(
                name=name, client=intake.answers.get("full_name", ""), relationship=relationship))
        self.prompter.say(f"\n{self.lifecycle.statement(signers.statement_kind(kind, capacity), intake)}")

        def check(typed: str) -> bool | str:
            try:
                self.lifecycle.typed_signature(intake, kind, typed)
            except IntakeError:
                return self._("Please type your name as you gave it: {name}").format(name=name)
            return True

        typed = typed_text(self.prompter, key, self._("Type your full name to sign"), validate=check)
        return self.lifecycle.typed_signature(intake, kind, typed)

    def _deferral_letter(self, intake: Intake) -> Packet | None:
        """The deferral letter, countersigned by the practitioner (proved by their PIN); None when not unlocked."""
        self._speak_to("staff")
        part = PractitionerPart(self)
        who = self.practitioner or part.unlock()
        if who is None:
            self.prompter.say(f"Not unlocked. Intake {intake.intake_id} is kept; continue it with "
                              f"`intake ask --resume {intake.intake_id}`.")
            return None
        practitioner_id = part.practitioner_id(who)
        if self.stopped is not None and intake.status == "draft":
            self.lifecycle.submit_stopped(intake, who.actor)  # the answers given, as a deferral for its letter
        counter = self.lifecycle.countersignature(intake, who, None, practitioner_id=practitioner_id)
        self.lifecycle.ensure_seal(counter.signed_at)
        return self.lifecycle.render(intake, counter)

    def _client_signs(self, intake: Intake) -> None:
        """The information, then the client's signatures (kept until the countersignature)."""
        self._speak_to("client")
        show_information(self)
        client = self._typed_signature(intake, "signature", "consent")
        photo = self._typed_signature(intake, "photo_signature", "photo_consent") \
            if self.lifecycle.photo_needed(intake) else None
        self.lifecycle.sign(intake, ClientSignatures(client, photo), self.actor)
        self.prompter.say("\n" + self._("Thank you. Please hand the device back to the practitioner."))
        self._speak_to("staff")

    def _sign_and_render(self, intake: Intake, assessment: Assessment) -> Packet | None:
        """The client signs, then the practitioner (proved by their PIN) reviews, may correct, and countersigns."""
        life = self.lifecycle
        if intake.signatures is None:
            self._client_signs(intake)
        else:
            when = intake.signatures.consent.signed_at.astimezone(self.engine.config.timezone)
            self.prompter.say(f"\nThe client signed on {when:%d %B %Y at %H:%M}; their signatures were kept for "
                              "the practitioner.")
        self._speak_to("staff")
        part = PractitionerPart(self)
        who = self.practitioner = self.practitioner or part.unlock()
        if who is None:
            self.prompter.say(f"Not unlocked. Intake {intake.intake_id} is saved as submitted with the client's "
                              f"signatures; continue it with `intake ask --resume {intake.intake_id}`.")
            return None
        practitioner_id = part.practitioner_id(who)
        while True:
            assessment = intake.assessment or assessment
            action = self.prompter.choose("practitioner_action", "Practitioner: what now?", labelled([
                ("countersign", "Go on to countersign"), ("correct", "Correct an answer with the client"),
                ("stop", "Stop here (everything is saved)")]), above=self._consultation(intake, assessment))
            if action == "stop":
                self.prompter.say(f"Intake {intake.intake_id} is saved; continue it with "
                                  f"`intake ask --resume {intake.intake_id}`.")
                return None
            if action == "correct":
                part.correct(intake, who, practitioner_id, Walker(self.engine, self.prompter,
                                                                  intake.consultation_date))
                if intake.verdict != "defer" and intake.signatures is None:
                    self.prompter.say("\nThe client now checks and signs the corrected answers: please hand them "
                                      "the device.")
                    self._client_signs(intake)
                    who = self.practitioner = part.unlock()  # the device was with the client: the PIN again
                    if who is None:
                        self.prompter.say(f"Not unlocked. Intake {intake.intake_id} is saved with the client's new "
                                          f"signatures; continue it with `intake ask --resume {intake.intake_id}`.")
                        return None
                    practitioner_id = part.practitioner_id(who)
                continue
            if intake.verdict == "clearance" and not part.decide(intake, who, practitioner_id):
                return None
            if intake.verdict == "defer" or self.prompter.choose(
                    "countersign", "I have reviewed the answers and the suitability outcome, and I countersign "
                    "this consent.", yes_no(self.engine.questionnaire, self.staff_language)):
                break
            self.prompter.say(f"Not countersigned. Intake {intake.intake_id} is saved as submitted with the client's "
                              f"signatures; continue it with `intake ask --resume {intake.intake_id}`.")
            return None
        counter = life.countersignature(intake, who, life.default_plan(intake), practitioner_id=practitioner_id)
        life.ensure_seal(counter.signed_at)
        self.prompter.say("Preparing and sealing your documents…")
        return life.render(intake, counter)

    def _consultation(self, intake: Intake, assessment: Assessment) -> str:
        """Every answer, step by step, answers behind findings marked, and the suitability, for the practitioner."""
        walker = Walker(self.engine, self.prompter, intake.consultation_date, self.staff_language)
        steps = consultation(self.engine.questionnaire, intake.answers, assessment.findings, self.staff_language,
                             facts=self.engine.facts(intake.answers, intake.consultation_date))
        lines = ["\nThe consultation, step by step (answers behind findings are marked ⚑):",
                 consultation_text(walker, steps), f"Suitability: {verdict_text(assessment)}"]
        documents = self.lifecycle.documents_language(intake)
        if documents != self.language:  # a language for the documents alone, e.g. Urdu
            lines.append(documents_note(documents, self.staff_language) + ".")
        lines.extend(f"  [{finding.severity}] {finding.practitioner_message}" for finding in assessment.findings)
        return "\n".join(lines)
