"""Provides the questionnaire walk for plain prompts: the same steps, conditions and messages as the TUI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from intake.datetyping import date_order, how_to_type, read_date, show_date
from intake.questionnaire import Question, Step, localize

StepSaved = Callable[[Step, dict[str, Any], "str | None"], None]


class Walker:
    """Asks the questionnaire one step at a time, validating each answer with the core.

    Args:
        engine: the loaded Engine.
        prompter: a Prompter (questionary on a terminal, a fake in tests).
        consultation_date: the record's consultation date (YYYY-MM-DD).
    """

    def __init__(self, engine, prompter, consultation_date: str):
        self.engine = engine
        self.questionnaire = engine.questionnaire
        self.prompter = prompter
        self.consultation_date = consultation_date
        self.language = engine.language

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
                 stop_when: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """Asks the visible questions of one step, re-checking visibility after every answer.

        Args:
            on_answer: called with the pruned answers after each answer (to save a draft).
            stop_when: called with the pruned answers after each answer; True leaves the rest of the
                step unasked (a kind stop).
        """
        answers = dict(answers)
        self.prompter.say(f"\nStep {number} of {total}: {localize(step.title, self.language)}")
        if step.intro:
            self.prompter.say(localize(step.intro, self.language))
        for question in step.questions:
            if question not in self.questionnaire.visible(answers, self.engine.facts(answers, self.consultation_date)):
                answers.pop(question.id, None)
                continue
            value = self.ask_question(question, answers)
            if value is None:
                answers.pop(question.id, None)
            else:
                answers[question.id] = value
            if on_answer:
                on_answer(self.questionnaire.prune(answers))
            if stop_when and stop_when(self.questionnaire.prune(answers)):
                break
        return self.questionnaire.prune(answers)

    # -- one question -------------------------------------------------------------------------

    def problem(self, question: Question, answers: Mapping[str, Any], value: Any) -> str | None:
        """The core's first message for this answer, or None when it is fine."""
        candidate = dict(answers)
        if value is None:
            candidate.pop(question.id, None)
        else:
            candidate[question.id] = value
        problems = self.engine.validator.question_problems(question.id, candidate, self.consultation_date)
        return problems[0].message if problems else None

    def _text_value(self, question: Question, raw: str) -> str | None:
        text = raw if question.type == "long_text" else raw.strip()
        return text if text.strip() else None

    def ask_question(self, question: Question, answers: Mapping[str, Any]) -> Any:
        """Asks one question until the answer passes validation; returns the value (None = unanswered)."""
        label = localize(question.label, self.language)
        hint = localize(question.help, self.language) if question.help else None
        previous = answers.get(question.id)
        p = self.prompter
        if question.type == "date":
            order = date_order(self.engine.config)

            def check_date(raw: str) -> bool | str:
                typed = read_date(raw, order)
                return typed.problem or self.problem(question, answers, typed.iso) or True

            form = f"({how_to_type(order)})"
            raw = p.text(question.id, label, default=show_date(previous, order), validate=check_date,
                         instruction=f"{hint} {form}" if hint else form)
            return read_date(raw, order).iso
        if question.type in ("text", "long_text"):
            def check(raw: str) -> bool | str:
                return self.problem(question, answers, self._text_value(question, raw)) or True

            raw = p.text(question.id, label, default=previous or "", validate=check, instruction=hint,
                         multiline=question.type == "long_text")
            return self._text_value(question, raw)
        if hint:
            p.say(f"  ({hint})")
        if question.type == "yes_no":
            choices = [(True, self.questionnaire.word("yes", self.language)),
                       (False, self.questionnaire.word("no", self.language))]
            return p.select(question.id, label, choices, default=previous)
        if question.type == "choice":
            choices = [(o.id, localize(o.label, self.language)) for o in question.options]
            return p.select(question.id, label, choices, default=previous)
        if question.type == "multi_choice":
            choices = [(o.id, localize(o.label, self.language)) for o in question.options]

            def check_many(values: list) -> bool | str:
                return self.problem(question, answers, list(values) or None) or True

            chosen = p.checkbox(question.id, label, choices, checked=previous or [], validate=check_many)
            return list(chosen) or None
        while not p.confirm(question.id, f"{label} Do you confirm?", default=previous is True):
            p.say("  We need you to confirm this statement before we can treat you. "
                  "If something is unclear, please ask a member of staff (press Ctrl-C to stop for now).")
        return True
