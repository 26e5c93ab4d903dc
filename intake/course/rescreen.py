"""Provides the re-screen a returning client answers before each further session of a course (schemas/rescreen.json).

Only what can change between sessions is asked again, each by the id of the consultation's own question (its
wording, options and follow-ups as they are: one definition of each question). The client's own answer "Nothing
has changed" carries the answers of the last session (the consultation's, as later sessions' re-screens left
them) to those questions over; nothing else does. How the skin healed after the last session is asked whenever the
client has had one (the steps marked `asked_after_a_treatment`): not at the first treatment after a consultation
day without one, when there is no last session to speak of. The
visit is assessed by every rule of rules.json together with the re-screen's own rules, dated to the visit: a toxin
injection five days before the visit is a waiting period that day, whenever the consultation was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from intake.assessment import Assessment, Assessor
from intake.config import ClinicConfig
from intake.datafile import load_data_file, schema_problems
from intake.errors import DataFileError, FileProblem, InvalidRecordError
from intake.i18n import long_date
from intake.questionnaire import Questionnaire, build_questionnaire, localize
from intake.recordschema import RECORD_FORMAT, build_record_schema
from intake.rules import RuleSet, build_rules
from intake.validation import Problem, RecordValidator

if TYPE_CHECKING:
    from intake.engine import Engine

FILE_NAME: Final = "rescreen.json"
#: The answers to the re-screen's first question.
NOTHING_CHANGED: Final = "nothing_changed"
SOMETHING_CHANGED: Final = "something_changed"


@dataclass(frozen=True)
class Rescreen:
    """The re-screen, and what its answers are assessed with.

    Attributes:
        questionnaire: what the client answers at a visit (its own id and version; the steps asked again are
            shown only when the client said something has changed).
        changes_question: the id of the question answered "Nothing has changed" or "Something has changed".
        asked_again: the consultation's question ids the re-screen asks again.
        assessing: the consultation's questions and the re-screen's own, which the rules read.
        rules: every rule of rules.json and the re-screen's own rules.
        nothing_changed_since: the answer "Nothing has changed" as a client sees it at a visit, by language,
            "{date}" standing for the last session's day.
        after_a_treatment: the steps asked only when the client has had a treatment before the visit (how the
            skin healed after it).
    """

    questionnaire: Questionnaire
    changes_question: str
    asked_again: tuple[str, ...]
    assessing: Questionnaire
    rules: RuleSet
    nothing_changed_since: Mapping[str, str] = field(default_factory=dict)
    after_a_treatment: frozenset[str] = frozenset()

    #: the validators made so far, by language, age policy and whether the client was treated before (making one
    #: checks the generated schema: slow)
    validators: dict[tuple[str, Any, bool], RecordValidator] = field(default_factory=dict, compare=False,
                                                                      repr=False)

    def asked(self, *, treated_before: bool) -> Questionnaire:
        """The re-screen a client answers at a visit: without the steps about the last treatment when the client
        has had none (a first treatment after a consultation day without one)."""
        if treated_before or not self.after_a_treatment:
            return self.questionnaire
        steps = tuple(step for step in self.questionnaire.steps if step.id not in self.after_a_treatment)
        return replace(self.questionnaire, steps=steps, by_id={q.id: q for s in steps for q in s.questions})

    def answered_after_a_treatment(self, answers: Mapping[str, Any]) -> bool:
        """Whether `answers` (a visit's) include any to a question asked only after a treatment (how the skin
        healed): what a visit's record may say was asked."""
        return any(self._after_a_treatment(question_id) for question_id in answers)

    def _after_a_treatment(self, question_id: str) -> bool:
        return any(step.id in self.after_a_treatment and question_id in {q.id for q in step.questions}
                   for step in self.questionnaire.steps)

    def _not_asked_yet(self, problem: Problem, language: str) -> Problem:
        question = self.questionnaire.by_id[problem.field]
        return Problem(problem.field, localize(question.label, language), "asked only after a treatment, and the "
                       "client has had none yet: remove this answer.", problem.step_id)

    def exchanged(self) -> Questionnaire:
        """The re-screen as exported for other systems (a FHIR Questionnaire): the questions asked only after a
        treatment are not required there, since a first treatment's re-screen rightly has no answer to them and
        FHIR cannot say when a question is asked by anything but another answer."""
        steps = tuple(replace(step, questions=tuple(replace(q, required=False) for q in step.questions))
                      if step.id in self.after_a_treatment else step for step in self.questionnaire.steps)
        return replace(self.questionnaire, steps=steps, by_id={q.id: q for s in steps for q in s.questions})

    def validator(self, config: ClinicConfig, language: str | None = None, *,
                  treated_before: bool) -> RecordValidator:
        """Checks the answers given at a visit (every question shown is answered, each of the right kind); its
        messages to the client are in `language` (the clinic's if None)."""
        key = (language or config.language, config.age_policy, treated_before)
        if key not in self.validators:
            asked = self.asked(treated_before=treated_before)
            self.validators[key] = RecordValidator(asked, build_record_schema(asked), key[0], config.age_policy)
        return self.validators[key]

    def walking_engine(self, engine: Engine, last_session: date, *, treated_before: bool) -> Engine:
        """An Engine whose questionnaire is the re-screen's, for a front end to walk, validate and say back its
        answers exactly as it does the consultation's (the same walker, widgets and messages), the answer
        "Nothing has changed" naming the day of the last session it speaks for; its assessor reads the re-screen's
        answers with every rule. A visit is assessed with `assess`, which carries the last session's answers over."""
        from intake.engine import Engine

        walking = Engine(engine.config, self.dated(last_session, treated_before=treated_before), self.rules,
                         engine.treatment)
        walking.__dict__["assessor"] = Assessor(self.assessing, self.rules, engine.config.windows,
                                                engine.config.age_policy, engine.config.language,
                                                engine.config.limits)
        return walking

    def dated(self, last_session: date, *, treated_before: bool) -> Questionnaire:
        """The re-screen as a client sees it: "Nothing has changed since 20 November 2026"."""
        words = {language: text.replace("{date}", long_date(last_session, language))
                 for language, text in self.nothing_changed_since.items()}
        asked = self.asked(treated_before=treated_before)
        steps = tuple(replace(step, questions=tuple(
            replace(q, options=tuple(replace(o, label=words) if o.id == NOTHING_CHANGED else o for o in q.options))
            if q.id == self.changes_question else q for q in step.questions)) for step in asked.steps)
        return replace(asked, steps=steps, by_id={q.id: q for s in steps for q in s.questions})

    def visit_answers(self, earlier: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
        """The answers a visit is assessed on: the last session's (`earlier`) with the visit's (`given`).

        "Nothing has changed" keeps the earlier answers to the questions asked again (their steps were not shown);
        "Something has changed" replaces every one of them by what the client answered now, so a follow-up that is
        no longer shown (a blood thinner stopped since) is no longer there.
        """
        own = {q.id for q in self.questionnaire.questions()} - set(self.asked_again)
        merged = {k: v for k, v in earlier.items() if k not in own}
        if given.get(self.changes_question) != NOTHING_CHANGED:
            for question_id in self.asked_again:
                merged.pop(question_id, None)
        shown = {q.id for q in self.questionnaire.visible(given)}
        merged.update({k: v for k, v in given.items() if k in shown and v not in (None, "", [])})
        return merged

    def assess(self, config: ClinicConfig, earlier: Mapping[str, Any], given: Mapping[str, Any],
               visit_date: str, language: str | None = None, *, treated_before: bool) -> Assessment:
        """Assesses a visit, dated to the visit, with the same rules as the consultation and the re-screen's own.

        Args:
            config: the clinic (its windows, limits and minors policy).
            earlier: the answers the last session stood on (the consultation's, updated by each later session's
                re-screen: intake.lifecycle.visits.Visits.answers_before).
            given: the answers given at the visit.
            visit_date: the visit's date, YYYY-MM-DD.
            language: the language of the findings' and problems' words (the clinic's if None: staff read them;
                a client's documents pass the course's).
            treated_before: whether the client has had a treatment before this visit (see `asked`).

        Raises:
            InvalidRecordError: the visit's answers are incomplete or wrong (every problem listed).
        """
        words = language or config.language
        record = {"format": RECORD_FORMAT, "questionnaire_version": self.questionnaire.version,
                  "consultation_date": visit_date, "language": words, "answers": dict(given)}
        problems = self.validator(config, words, treated_before=treated_before).problems(record)
        if not treated_before:  # say why, rather than "not a question"
            problems = [self._not_asked_yet(p, words) if self._after_a_treatment(p.field) else p for p in problems]
        if problems:
            raise InvalidRecordError(problems)
        assessor = Assessor(self.assessing, self.rules, config.windows, config.age_policy, words, config.limits)
        return assessor.assess({"consultation_date": visit_date, "answers": self.visit_answers(earlier, given)})


def load_rescreen(schemas: Path, minors_policy: str) -> Rescreen:
    """Loads schemas/rescreen.json with the questionnaire and rules it refers to, and checks them together.

    Raises:
        DataFileError: naming rescreen.json, the JSON path and the fix for each problem (a question asked again
            that the questionnaire lacks, a follow-up asked again without its question, an own question or rule
            whose id the questionnaire or rules.json already use, a malformed question or rule).
    """
    path = schemas / FILE_NAME
    data = load_data_file(path, "rescreen.schema.json")
    main = load_data_file(schemas / "questionnaire.json", "questionnaire.schema.json")
    main_rules = load_data_file(schemas / "rules.json", "rules.schema.json")
    problems = _changes_problems(data) + _after_treatment_problems(data)
    if problems:  # the steps asked again are shown by its answer: nothing else can be checked without it
        raise DataFileError(path, problems)
    steps, asked_again, own = _resolve_steps(data, main, problems)
    questions = {"id": data["id"], "version": data["version"], "languages": main["languages"],
                 "title": data["title"], "words": main["words"], "steps": steps}
    problems += schema_problems(questions, "questionnaire.schema.json")
    rule_ids = {r["id"] for r in main_rules["rules"]}
    problems += [FileProblem(f"$.rules[{i}].id", f"rules.json already has a rule {r.get('id')!r}",
                             "give this rule its own id")
                 for i, r in enumerate(data["rules"]) if r.get("id") in rule_ids]
    own_rules = {key: main_rules[key] for key in ("version", "windows", "limits", "everyone") if key in main_rules}
    own_rules["rules"] = data["rules"]
    problems += schema_problems(own_rules, "rules.schema.json")
    if problems:
        raise DataFileError(path, problems)
    questionnaire = build_questionnaire(questions, str(path), required={})
    own_step = {"id": "rescreen_own", "title": data["title"], "questions": own}
    assessing = build_questionnaire({**main, "steps": [*main["steps"], own_step]}, str(path))
    build_rules(own_rules, assessing, str(path))  # each own rule checked on its own: problems name its path here
    rules = build_rules({**main_rules, "rules": [*main_rules["rules"], *data["rules"]]}, assessing, str(path))
    after = frozenset(step["id"] for step in data["steps"] if step.get("asked_after_a_treatment"))
    return Rescreen(questionnaire.for_minors_policy(minors_policy), data["changes_question"], tuple(asked_again),
                    assessing.for_minors_policy(minors_policy), rules, dict(data["nothing_changed_since"]), after)


def _resolve_steps(data: Mapping[str, Any], main: Mapping[str, Any],
                   problems: list[FileProblem]) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """The re-screen's steps with each question asked again put in full (shown only when something changed, in
    the steps marked so), the ids asked again, and the re-screen's own questions."""
    by_id = {q["id"]: q for step in main["steps"] for q in step["questions"]}
    gate = {"question": data["changes_question"], "equals": SOMETHING_CHANGED}
    steps, asked_again, own = [], [], []
    for s_index, step in enumerate(data["steps"]):
        questions = []
        for q_index, item in enumerate(step["questions"]):
            where = f"$.steps[{s_index}].questions[{q_index}]"
            if "ask_again" in item:
                question = by_id.get(item["ask_again"])
                if question is None:
                    problems.append(FileProblem(f"{where}.ask_again", f"questionnaire.json has no question "
                                                f"{item['ask_again']!r}", "name a question of questionnaire.json"))
                    question = {"id": item["ask_again"], "type": "yes_no", "required": False, "label": {"en": "?"}}
                question = {k: v for k, v in question.items() if k != "prefill"}
                asked_again.append(question["id"])
            else:
                question = dict(item)
                if question.get("id") in by_id:
                    problems.append(FileProblem(f"{where}.id", f"questionnaire.json already has a question "
                                                f"{question['id']!r}", f"ask it again with "
                                                f"{{\"ask_again\": \"{question['id']}\"}}, or give it its own id"))
                own.append(question)
            if step.get("asked_when_changed"):
                shown_if = question.get("show_if")
                question = {**question, "show_if": {"all": [gate, shown_if]} if shown_if else gate}
            questions.append(question)
        steps.append({**{k: step[k] for k in ("id", "title", "intro") if k in step}, "questions": questions})
    return steps, asked_again, own


def _after_treatment_problems(data: Mapping[str, Any]) -> list[FileProblem]:
    """Steps asked only after a treatment hold the re-screen's own questions, never the first step: the first
    question is asked at every visit, and a question asked again that a visit left out would lose its answer."""
    problems = []
    for s_index, step in enumerate(data["steps"]):
        if not step.get("asked_after_a_treatment"):
            continue
        if s_index == 0:
            problems.append(FileProblem("$.steps[0].asked_after_a_treatment", "the first step is asked at every "
                                        "visit: it holds the question every re-screen starts with",
                                        "remove asked_after_a_treatment from the first step"))
        problems += [FileProblem(f"$.steps[{s_index}].questions[{q_index}].ask_again", "a step asked only after a "
                                 "treatment cannot ask a consultation question again (a visit without it would "
                                 "drop its answer)", "move the question to a step asked at every visit")
                     for q_index, item in enumerate(step["questions"]) if "ask_again" in item]
    return problems


def _changes_problems(data: Mapping[str, Any]) -> list[FileProblem]:
    """The first question must be an always-shown, required choice: nothing changed, or something changed."""
    wanted = data["changes_question"]
    first = data["steps"][0]["questions"]
    question = next((q for q in first if q.get("id") == wanted), None)
    options = {o.get("id") for o in question.get("options", ())} if question is not None else set()
    if question is not None and question.get("type") == "choice" and question.get("required") is True \
            and "show_if" not in question and options == {NOTHING_CHANGED, SOMETHING_CHANGED}:
        return []
    return [FileProblem("$.changes_question", f"{wanted!r} is not an always-shown, required choice in the first step "
                        f"with the options {NOTHING_CHANGED!r} and {SOMETHING_CHANGED!r}",
                        "put such a question first and name it here")]
