"""Provides the questionnaire model loaded from schemas/questionnaire.json.

The model knows steps, questions, options and show-if conditions, and which questions are visible
for a set of answers. It holds no widget knowledge: front ends decide how to draw each type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from intake import conditions
from intake.datafile import load_data_file
from intake.errors import DataFileError, FileProblem

QUESTION_TYPES = ("text", "long_text", "date", "yes_no", "choice", "multi_choice", "acknowledgement")
#: Questions every questionnaire must have, because assessment and documents rely on them.
REQUIRED_QUESTIONS = {"full_name": "text", "date_of_birth": "date"}

Text = Mapping[str, str]


def localize(text: Text | None, language: str, fallback: str = "en") -> str:
    """Picks the text for a language, falling back to the default language."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


@dataclass(frozen=True)
class Option:
    """One choice of a choice or multi-choice question."""

    id: str
    label: Text
    #: Stands alone in a multi-choice answer ("None of these"): choosing it clears the others, and back.
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    """One question: its type, texts, limits and the condition under which it is shown."""

    id: str
    type: str
    label: Text
    required: bool
    step_id: str
    help: Text | None = None
    kind: str | None = None
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    show_if: Mapping[str, Any] | None = None
    date_range: Mapping[str, Any] | None = None
    #: Offered again to a returning client to confirm (demographics and lasting history only).
    prefill: bool = False
    #: The help to show instead of `help` under each [policy] minors setting (what will happen, e.g. to a guardian).
    help_by_minors_policy: Mapping[str, Text] = field(default_factory=dict)

    def option(self, option_id: str) -> Option | None:
        """Returns the option with this id, if any."""
        return next((o for o in self.options if o.id == option_id), None)

    def toggle(self, answer: Any, option_id: str) -> list[str] | None:
        """A multi-choice answer with one option ticked or unticked, as every front end changes it.

        Ticking an exclusive option ("None of these") clears the others; ticking another option clears
        the exclusive one. The result keeps the options' order; None when nothing is left ticked.
        """
        chosen = [v for v in answer if isinstance(v, str)] if isinstance(answer, list) else []
        option = self.option(option_id)
        if option is None:
            return chosen or None
        if option_id in chosen:
            chosen.remove(option_id)
        elif option.exclusive:
            chosen = [option_id]
        else:
            alone = {o.id for o in self.options if o.exclusive}
            chosen = [v for v in chosen if v not in alone] + [option_id]
        order = [o.id for o in self.options]
        return sorted(chosen, key=lambda v: order.index(v) if v in order else len(order)) or None


@dataclass(frozen=True)
class Step:
    """One screen of the wizard: a titled group of questions."""

    id: str
    title: Text
    questions: tuple[Question, ...]
    intro: Text | None = None


@dataclass(frozen=True)
class Questionnaire:
    """The whole questionnaire with lookup by question id."""

    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    words: Mapping[str, Text]
    steps: tuple[Step, ...]
    source: str = ""
    by_id: Mapping[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def questions(self) -> Iterator[Question]:
        """Yields every question in order."""
        for step in self.steps:
            yield from step.questions

    def for_minors_policy(self, policy: str) -> Questionnaire:
        """This questionnaire as a clinic with this [policy] minors setting shows it: each question's help is its
        `help_by_minors_policy` text for the policy, where it has one."""
        if not any(q.help_by_minors_policy.get(policy) for q in self.questions()):
            return self
        steps = tuple(replace(step, questions=tuple(
            replace(q, help=q.help_by_minors_policy[policy]) if q.help_by_minors_policy.get(policy) else q
            for q in step.questions)) for step in self.steps)
        return replace(self, steps=steps, by_id={q.id: q for step in steps for q in step.questions})

    def step(self, step_id: str) -> Step:
        """Returns the step with this id."""
        return next(s for s in self.steps if s.id == step_id)

    def visible(self, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> list[Question]:
        """Returns the questions shown for these answers, in order.

        A question hidden by its condition counts as unanswered for the questions after it, so
        hiding a question also hides the follow-ups that depend on it. A question shown on the
        client's age (see conditions.facts_for) is hidden when no facts are given.
        """
        effective: dict[str, Any] = {}
        shown = []
        for question in self.questions():
            if question.show_if is None or conditions.evaluate(question.show_if, effective, facts):
                shown.append(question)
                if question.id in answers:
                    effective[question.id] = answers[question.id]
        return shown

    def visible_in(self, step: Step, answers: Mapping[str, Any],
                   facts: Mapping[str, Any] | None = None) -> list[Question]:
        """Returns the questions of one step shown for these answers."""
        ids = {q.id for q in step.questions}
        return [q for q in self.visible(answers, facts) if q.id in ids]

    def prune(self, answers: Mapping[str, Any], facts: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Returns the answers without those to hidden questions or unknown ids.

        Without facts, answers to questions shown on the client's age are kept (their visibility is
        not known here); the validator decides them with the consultation date.
        """
        shown = {q.id for q in self.visible(answers, facts)}
        if facts is None:
            shown |= {q.id for q in self.questions() if conditions.uses_facts(q.show_if)}
        return {k: v for k, v in answers.items() if k in shown and v is not None}

    def word(self, key: str, language: str) -> str:
        """Returns one of the shared words (yes, no, not_answered, confirmed, none)."""
        return localize(self.words.get(key), language, self.languages[0])

    def display(self, question: Question, value: Any, language: str) -> str:
        """Formats an answer for people: option labels, Yes/No, dates as written."""
        if value is None or value == "" or value == []:
            return self.word("not_answered", language)
        if question.type == "yes_no" and isinstance(value, bool):
            return self.word("yes" if value else "no", language)
        if question.type == "acknowledgement" and value is True:
            return self.word("confirmed", language)
        if question.type == "choice":
            option = question.option(value) if isinstance(value, str) else None
            return localize(option.label, language) if option else str(value)
        if question.type == "multi_choice" and isinstance(value, list):
            labels = []
            for item in value:
                option = question.option(item) if isinstance(item, str) else None
                labels.append(localize(option.label, language) if option else str(item))
            return ", ".join(labels)
        return str(value)

    def describe_condition(self, condition: Mapping[str, Any], language: str) -> str:
        """Puts a show-if condition in words: 'Do you take blood thinners?' is Yes."""
        if "all" in condition:
            return " and ".join(self.describe_condition(c, language) for c in condition["all"])
        if "any" in condition:
            return " or ".join(self.describe_condition(c, language) for c in condition["any"])
        if "not" in condition:
            return f"not ({self.describe_condition(condition['not'], language)})"
        if "age_below" in condition:
            return ("the client is under the legal age of consent" if condition["age_below"] == "legal_age" else
                    "the client is under the clinic's adult age")
        if "minors_policy" in condition:
            return f"the clinic's minors policy is {' or '.join(condition['minors_policy'])}"
        question = self.by_id.get(condition.get("question", ""))
        if question is None:
            return "an earlier answer applies"
        label = localize(question.label, language)
        if "equals" in condition:
            return f"'{label}' is {self.display(question, condition['equals'], language)}"
        if "in" in condition:
            values = " or ".join(self.display(question, v, language) for v in condition["in"])
            return f"'{label}' is {values}"
        if "contains" in condition:
            return f"'{label}' includes {self.display(question, [condition['contains']], language)}"
        return f"'{label}' is answered"


def _option_ids(question: Question) -> set[str]:
    return {o.id for o in question.options}


def _check_text(text: Text | None, languages: tuple[str, ...], path: str, problems: list[FileProblem]) -> None:
    """Checks that a client-facing text has every declared language."""
    if text is None:
        return
    missing = [lang for lang in languages if lang not in text]
    if missing:
        problems.append(FileProblem(path, f"no text for language {', '.join(missing)}",
                                    f"add {', '.join(repr(m) for m in missing)} to this text"))


def _check_condition_refs(
    condition: Mapping[str, Any], earlier: Mapping[str, Question], path: str, problems: list[FileProblem]
) -> None:
    for leaf in conditions.leaves(condition):
        if "age_below" in leaf:
            if "date_of_birth" not in earlier:
                problems.append(FileProblem(f"{path}.age_below", "an age condition needs 'date_of_birth' asked "
                                            "earlier", "ask the date of birth before this question"))
            continue
        if "minors_policy" in leaf:
            continue
        qid = leaf.get("question")
        target = earlier.get(qid) if isinstance(qid, str) else None
        if target is None:
            problems.append(FileProblem(f"{path}.question", f"refers to {qid!r}, which is not asked earlier",
                                        "name a question that comes before this one"))
            continue
        if "equals" in leaf:
            value = leaf["equals"]
            if target.type == "yes_no" and not isinstance(value, bool):
                problems.append(FileProblem(f"{path}.equals", f"{qid!r} is a yes/no question",
                                            "compare it with true or false"))
            elif target.type == "choice" and value not in _option_ids(target):
                problems.append(FileProblem(f"{path}.equals", f"{value!r} is not an option of {qid!r}",
                                            f"use one of: {', '.join(sorted(_option_ids(target)))}"))
        for value in leaf.get("in", []):
            if value not in _option_ids(target):
                problems.append(FileProblem(f"{path}.in", f"{value!r} is not an option of {qid!r}",
                                            f"use options of {qid!r}"))
        if "contains" in leaf and (target.type != "multi_choice" or leaf["contains"] not in _option_ids(target)):
            problems.append(FileProblem(f"{path}.contains", f"{qid!r} has no option {leaf['contains']!r} to contain",
                                        "use 'contains' with an option of a multi-choice question"))


#: What separates the chosen options' labels where they are written on one line (the CSV export's readable
#: column): no option label of a multi-choice question may contain it, so the list reads back unambiguously.
LABEL_SEPARATOR = " | "


def _check_options(question: Question, path: str, problems: list[FileProblem]) -> None:
    """Options have unique ids, one exclusive option at most, and multi-choice labels without the separator."""
    option_ids = [o.id for o in question.options]
    if len(set(option_ids)) != len(option_ids):
        problems.append(FileProblem(f"{path}.options", "two options share an id", "make option ids unique"))
    _check_exclusive(question, path, problems)
    mark = LABEL_SEPARATOR.strip()
    for index, option in enumerate(question.options if question.type == "multi_choice" else ()):
        for language, text in option.label.items():
            if mark in text:
                problems.append(FileProblem(f"{path}.options[{index}].label.{language}", f"contains {mark!r}, which "
                                            "separates the chosen options in the CSV export's answer column",
                                            f"write the label without {mark!r} (use '/' or 'or')"))


def _check_exclusive(question: Question, path: str, problems: list[FileProblem]) -> None:
    """An exclusive option belongs to a multi-choice question, one per question, beside other options."""
    alone = [i for i, o in enumerate(question.options) if o.exclusive]
    if alone and question.type != "multi_choice":
        problems.append(FileProblem(f"{path}.options[{alone[0]}].exclusive", f"{question.id!r} is a "
                                    f"{question.type} question, where every option already stands alone",
                                    "remove 'exclusive', or make the question a multi_choice"))
    elif len(alone) > 1:
        problems.append(FileProblem(f"{path}.options[{alone[1]}].exclusive", "a question has one exclusive option "
                                    "at most", "keep 'exclusive' on the one 'None of these' option"))
    elif alone and len(question.options) == 1:
        problems.append(FileProblem(f"{path}.options", "the exclusive option is the only one",
                                    "add the options it excludes, or remove 'exclusive'"))


def _check_prefill(question: Question, earlier: Mapping[str, Question], path: str,
                   problems: list[FileProblem]) -> None:
    """A prefilled follow-up needs its condition's questions prefilled too, or it would show alone."""
    if not question.prefill or question.show_if is None:
        return
    for leaf in conditions.leaves(question.show_if):
        target = earlier.get(leaf.get("question", "date_of_birth" if "age_below" in leaf else ""))
        if target is not None and not target.prefill:
            problems.append(FileProblem(path, f"{question.id!r} is prefilled but {target.id!r}, which decides "
                                        "whether it is shown, is not", f"prefill {target.id!r} too, or neither"))


def _build_question(q: Mapping[str, Any], step_data: Mapping[str, Any], path: str, by_id: dict[str, Question],
                    languages: tuple[str, ...], problems: list[FileProblem]) -> Question:
    """One question of a step, checked against the questions before it, and added to `by_id`."""
    question = Question(
        id=q["id"], type=q["type"], label=q["label"], required=q["required"],
        step_id=step_data["id"], help=q.get("help"), kind=q.get("kind"),
        max_length=q.get("max_length"),
        options=tuple(Option(o["id"], o["label"], o.get("exclusive", False)) for o in q.get("options", ())),
        show_if=q.get("show_if"), date_range=q.get("date_range"),
        prefill=q.get("prefill", step_data.get("prefill", False)),
        help_by_minors_policy=q.get("help_by_minors_policy", {}),
    )
    if question.id in by_id:
        problems.append(FileProblem(f"{path}.id", f"question id {question.id!r} is used twice",
                                    "question ids must be unique across the whole questionnaire"))
    _check_text(question.label, languages, f"{path}.label", problems)
    _check_text(question.help, languages, f"{path}.help", problems)
    for policy, text in question.help_by_minors_policy.items():
        _check_text(text, languages, f"{path}.help_by_minors_policy.{policy}", problems)
    for o_index, option in enumerate(question.options):
        _check_text(option.label, languages, f"{path}.options[{o_index}].label", problems)
    _check_options(question, path, problems)
    if question.show_if is not None:
        _check_condition_refs(question.show_if, by_id, f"{path}.show_if", problems)
        _check_prefill(question, by_id, f"{path}.prefill", problems)
    by_id[question.id] = question
    return question


def build_questionnaire(data: Mapping[str, Any], source: str = "questionnaire",
                        required: Mapping[str, str] = REQUIRED_QUESTIONS) -> Questionnaire:
    """Builds the model from already schema-checked data, checking what a schema cannot.

    `required`: the always-shown, required questions it must have, by id and type (a consultation's name and date of
    birth; none for a re-screen, which belongs to a client already known).

    Raises:
        DataFileError: duplicate ids, conditions on later or unknown questions, wrong option
            values, or missing translations.
    """
    languages = tuple(data["languages"])
    problems: list[FileProblem] = []
    _check_text(data["title"], languages, "$.title", problems)
    for key, text in data["words"].items():
        _check_text(text, languages, f"$.words.{key}", problems)
    by_id: dict[str, Question] = {}
    steps = []
    step_ids: set[str] = set()
    for s_index, step_data in enumerate(data["steps"]):
        step_path = f"$.steps[{s_index}]"
        if step_data["id"] in step_ids:
            problems.append(FileProblem(f"{step_path}.id", f"step id {step_data['id']!r} is used twice",
                                        "give each step its own id"))
        step_ids.add(step_data["id"])
        _check_text(step_data["title"], languages, f"{step_path}.title", problems)
        _check_text(step_data.get("intro"), languages, f"{step_path}.intro", problems)
        questions = [_build_question(q, step_data, f"{step_path}.questions[{q_index}]", by_id, languages, problems)
                     for q_index, q in enumerate(step_data["questions"])]
        steps.append(Step(step_data["id"], step_data["title"], tuple(questions), step_data.get("intro")))
    for qid, qtype in required.items():
        found = by_id.get(qid)
        if found is None or found.type != qtype or found.show_if is not None or not found.required:
            problems.append(FileProblem("$.steps", f"needs an always-shown, required {qtype} question {qid!r}",
                                        f"add a question with id {qid!r} and type {qtype!r}"))
    if problems:
        raise DataFileError(source, problems)
    return Questionnaire(
        id=data["id"], version=data["version"], languages=languages, title=data["title"],
        words=data["words"], steps=tuple(steps), source=source, by_id=by_id,
    )


def load_questionnaire(path: Path) -> Questionnaire:
    """Loads and checks a questionnaire file.

    Raises:
        DataFileError: naming the file, the JSON path and the fix for each problem.
    """
    data = load_data_file(path, "questionnaire.schema.json")
    return build_questionnaire(data, str(path))
