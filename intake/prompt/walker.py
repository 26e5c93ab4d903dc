"""Provides the questionnaire walk for plain prompts: the same steps, conditions and messages as the TUI.

Only what the client chooses is recorded: an option by the key shown on it, text by typing it, an
earlier answer by its "keep" key. An answer that carries a finding is said back at once ("You said:
Yes"), and the client can go back and change it before anything else is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from intake.datetyping import date_order, how_to_type, read_date
from intake.i18n import intake_words
from intake.prompt.keyed import Keyed, question_options, with_keep
from intake.prompt.prompter import KEEP
from intake.questionnaire import Question, Step, localize
from intake.shown import said_back, shown

StepSaved = Callable[[Step, dict[str, Any], "str | None"], None]


class Walker:
    """Asks the questionnaire one step at a time, validating each answer with the core.

    Args:
        engine: the loaded Engine.
        prompter: a Prompter (questionary on a terminal, a fake in tests).
        consultation_date: the record's consultation date (YYYY-MM-DD).
        language: the client's language (the intake's, `Lifecycle.language`); the clinic's when None.
    """

    def __init__(self, engine, prompter, consultation_date: str, language: str | None = None):
        self.engine = engine
        self.questionnaire = engine.questionnaire
        self.prompter = prompter
        self.consultation_date = consultation_date
        self.language = language or engine.language
        self.order = date_order(engine.config)
        #: the walker's own words in the client's language (the 'intake' catalogue)
        self._ = intake_words(self.language).gettext

    # -- steps ------------------------------------------------------------------------------

    def walk(self, answers: Mapping[str, Any], start_step: str | None = None,
             on_step: StepSaved | None = None) -> dict[str, Any]:
        """Asks every step from `start_step` on; calls `on_step(step, answers, next_step_id)` after each."""
        answers = dict(answers)
        steps = list(self.questionnaire.steps)
        first = next((i for i, s in enumerate(steps) if s.id == start_step), 0)
        for index in range(first, len(steps)):
            answers = self.ask_step(steps[index], answers, index + 1, len(steps))
            if on_step:
                on_step(steps[index], answers, steps[index + 1].id if index + 1 < len(steps) else None)
        return answers

    def ask_step(self, step: Step, answers: Mapping[str, Any], number: int, total: int,
                 on_answer: Callable[[dict[str, Any]], None] | None = None,
                 stop_when: Callable[[dict[str, Any]], bool] | None = None,
                 offered: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Asks the visible questions of one step, re-checking visibility after every answer.

        Args:
            on_answer: called with the pruned answers after each answer (to save a draft).
            stop_when: called with the pruned answers after each answer; True leaves the rest of the
                step unasked (a kind stop).
            offered: a returning client's earlier answers, offered to keep (never recorded unless kept).
        """
        answers = dict(answers)
        offered = offered or {}
        self.prompter.say("\n" + self._("Step {number} of {total}: {title}").format(
            number=number, total=total, title=localize(step.title, self.language)))
        if step.intro:
            self.prompter.say(localize(step.intro, self.language))
        for question in step.questions:
            if question not in self.questionnaire.visible(answers, self.engine.facts(answers, self.consultation_date)):
                answers.pop(question.id, None)
                continue
            answers = self._answer(question, answers, answers.get(question.id, offered.get(question.id)))
            if on_answer:
                on_answer(self.questionnaire.prune(answers))
            if stop_when and stop_when(self.questionnaire.prune(answers)):
                break
        return self.questionnaire.prune(answers)

    def _answer(self, question: Question, answers: dict[str, Any], previous: Any) -> dict[str, Any]:
        """Asks one question and says back an answer that carries a finding, until the client goes on."""
        while True:
            self.prompter.say("")  # a question stands apart from the one before
            value = self.ask_question(question, answers, previous)
            if value is None:
                answers.pop(question.id, None)
            else:
                answers[question.id] = value
            said = self._said_back(question, answers)
            if said is None:
                return answers
            self.prompter.say(said)
            if self.prompter.pause(f"{question.id}:echo", self._("Enter: go on · b: back to change it")) == "next":
                return answers
            previous = None  # asked afresh

    def _rules_applying(self, answers: Mapping[str, Any]) -> set[str]:
        given = {k: v for k, v in self.questionnaire.prune(answers).items() if v not in (None, "", [])}
        found = self.engine.assessor.assess({"consultation_date": self.consultation_date, "answers": given})
        return {f.rule_id for f in found.findings}

    def _said_back(self, question: Question, answers: Mapping[str, Any]) -> str | None:
        """'You said: …' for an answer that carries a finding, or that completes one on an earlier answer.

        (Ticking Forehead for a filler made a month ago completes the finding on "Have you had filler?")
        """
        pruned = self.questionnaire.prune(answers)
        said = said_back(self.engine, question.id, pruned, self.consultation_date, self.language, self.order)
        if said is not None or question.id not in pruned:
            return said
        without = {k: v for k, v in pruned.items() if k != question.id}
        if not self._rules_applying(pruned) - self._rules_applying(without):
            return None
        return self.questionnaire.word("you_said", self.language).replace(
            "{answer}", self.shown(question, pruned[question.id]))

    # -- one question -------------------------------------------------------------------------

    def problem(self, question: Question, answers: Mapping[str, Any], value: Any) -> str | None:
        """The core's first message for this answer, or None when it is fine."""
        candidate = dict(answers)
        if value is None:
            candidate.pop(question.id, None)
        else:
            candidate[question.id] = value
        problems = self.engine.validator_in(self.language).question_problems(question.id, candidate,
                                                                             self.consultation_date)
        return problems[0].message if problems else None

    def _text_value(self, question: Question, raw: str) -> str | None:
        text = raw if question.type == "long_text" else raw.strip()
        return text if text.strip() else None

    def shown(self, question: Question, value: Any) -> str:
        """An answer in the client's words (a date in the clinic's order, as typed)."""
        return shown(self.questionnaire, question, value, self.language, self.order)

    def ask_question(self, question: Question, answers: Mapping[str, Any], previous: Any = None) -> Any:
        """Asks one question until the answer passes validation; returns the value (None = unanswered).

        Args:
            previous: an earlier answer, offered to keep with its key when it is still a right answer.
        """
        label = localize(question.label, self.language)
        hint = localize(question.help, self.language) if question.help else None
        keep = previous is not None and self.problem(question, answers, previous) is None
        if question.type in ("date", "text", "long_text"):
            return self._ask_text(question, answers, label, hint, previous if keep else None)
        if question.type == "acknowledgement":
            label = " ".join((label, self._("Do you confirm?")))
        if hint:
            label = f"{label}\n  ({hint})"
        options = question_options(self.questionnaire, question, self.language)
        if keep:
            options = with_keep(options, previous, self.shown(question, previous), self.language)
        if question.type == "multi_choice":
            return self._ask_many(question, answers, label, options)
        if question.type == "acknowledgement":
            return self._ask_acknowledgement(question, label, options)
        return self.prompter.choose(question.id, label, options)

    def _ask_text(self, question: Question, answers: Mapping[str, Any], label: str, hint: str | None,
                  previous: Any) -> Any:
        """A date or text question: typed, or the earlier answer kept with its key."""
        keep = self.shown(question, previous) if previous is not None else None
        if question.type == "date":
            def check_date(raw: str) -> bool | str:
                typed = read_date(raw, self.order, self.language)
                return typed.problem or self.problem(question, answers, typed.iso) or True

            form = f"({how_to_type(self.order, self.language)})"
            raw = self.prompter.text(question.id, label, validate=check_date, keep=keep,
                                     instruction=f"{hint} {form}" if hint else form)
            return previous if raw is KEEP else read_date(str(raw), self.order).iso

        def check(raw: str) -> bool | str:
            return self.problem(question, answers, self._text_value(question, raw)) or True

        raw = self.prompter.text(question.id, label, validate=check, keep=keep,
                                 instruction=f"({hint})" if hint else None, multiline=question.type == "long_text")
        return previous if raw is KEEP else self._text_value(question, str(raw))

    def _ask_many(self, question: Question, answers: Mapping[str, Any], label: str,
                  options: list[Keyed]) -> list[str] | None:
        """A multi-choice question: options ticked by their keys; an empty answer is refused when one is needed."""
        exclusive = {o.id for o in question.options if o.exclusive}
        alone = next((o for o in options if not o.keep and o.value in exclusive), None)

        def check(values: list[Any]) -> str | None:
            problem = self.problem(question, answers, list(values) or None)
            if problem and alone is not None and not values:
                problem = " ".join((problem, self._("(Type {key} for “{label}”.)").format(key=alone.key,
                                                                                           label=alone.label)))
            return problem

        chosen = self.prompter.tick(question.id, label, options, check=check,
                                    toggle=lambda ticked, value: question.toggle(ticked, value) or [])
        return list(chosen) or None

    def _ask_acknowledgement(self, question: Question, label: str, options: list[Keyed]) -> bool:
        """A statement to confirm: asked again, with a word on what to do, until the client confirms it."""
        while not self.prompter.choose(question.id, label, options):
            self.prompter.say("  " + self._("We need you to confirm this statement before we can treat you. If "
                                            "something is unclear, please ask a member of staff (press Ctrl-C to "
                                            "stop for now)."))
        return True
