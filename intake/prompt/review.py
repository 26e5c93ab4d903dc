"""Provides what the client and the practitioner read at plain prompts: the review, the information, the consultation.

Each is shown a page at a time when it would not fit the terminal (Enter: next page · b: back), so
nothing scrolls off a small screen before it is read; dates read in the clinic's order, as typed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from intake.i18n import intake_words
from intake.prompt.keyed import labelled, yes_no
from intake.questionnaire import localize

if TYPE_CHECKING:
    from intake.consultation import StepAnswers
    from intake.prompt.flow import AskSession
    from intake.prompt.walker import Walker


def review_text(walker: Walker, answers: dict[str, Any]) -> str:
    """Every visible answer, step by step, as the client checks them."""
    q, language = walker.questionnaire, walker.language
    lines = ["", intake_words(language).gettext("Please check your answers:")]
    for step in q.steps:
        lines.append(f"\n  {localize(step.title, language)}")
        for question in q.visible_in(step, answers, walker.engine.facts(answers, walker.consultation_date)):
            answer = "\n      ".join(walker.shown(question, answers.get(question.id)).splitlines() or [""])
            lines.append(f"    {localize(question.label, language)}\n      {answer}")
    return "\n".join(lines)


def review(session: AskSession, walker: Walker, answers: dict[str, Any]) -> dict[str, Any]:
    """The client checks every answer and changes any step until they confirm; a kind stop ends it at once.

    Returns:
        The answers as confirmed, or as given up to a kind stop (then `session.stopped` is set).
    """
    prompter, language = session.prompter, session.language
    _ = intake_words(language).gettext
    steps = list(session.engine.questionnaire.steps)
    while True:
        choice = prompter.choose("review", _("Are these answers true and complete?"), labelled([
            ("confirm", _("Yes, they are true and complete")),
            ("edit", _("No, I want to change something")),
        ]), above=review_text(walker, answers))
        if choice == "confirm":
            return answers
        step_id = prompter.choose("review_step", _("Which part would you like to change?"),
                                  labelled([(s.id, localize(s.title, language)) for s in steps]))
        index = next(i for i, s in enumerate(steps) if s.id == step_id)
        step = steps[index]
        answers = walker.ask_step(step, answers, index + 1, len(steps),
                                  stop_when=functools.partial(session.stops_after, step))
        session.save(step, answers, None)
        if session.stops_after(step, answers):
            session.stopped = session.kind_stop(answers)
            return answers


def show_information(session: AskSession) -> None:
    """Shows what the client consents to, from the same data as the wizard's information screen."""
    from intake.consent_info import load_texts

    engine = session.engine
    info = load_texts(engine.config.templates_dir, engine.questionnaire.languages, session.language)["information"]
    text = [f"\n{info['title']}\n{info['intro']}"]
    for section in info["sections"]:
        text.append(f"\n  {section['heading']}")
        text.extend(f"   - {point}" for point in section["points"])
    above = "\n".join(text)
    _ = intake_words(session.language).gettext
    while not session.prompter.choose("information", _("I have read this information and my questions have been "
                                                       "answered."),
                                      yes_no(engine.questionnaire, session.language), above=above):
        session.prompter.say("  " + _("Please ask a member of staff your questions now; we continue when you are "
                                      "ready (Ctrl-C stops, and your answers stay saved)."))
        above = ""


def consultation_text(walker: Walker, steps: Iterable[StepAnswers]) -> str:
    """Every answer of a consultation, step by step, those behind findings marked, as the practitioner reads it."""
    q = walker.questionnaire
    lines = []
    for step in steps:
        lines.append(f"\n  {step.title}")
        for line in step.lines:
            mark = f"⚑ {line.severity.upper()}: " if line.severity else ""
            question = q.by_id.get(line.question_id)
            dated = question is not None and question.type == "date" and line.answered
            answer = walker.shown(question, line.answer) if dated and question is not None else line.answer
            answer = "\n      ".join(answer.splitlines() or [""])
            lines.append(f"    {mark}{line.label}\n      {answer}")
    return "\n".join(lines) + "\n"
