"""`intake ask` in a real pseudo-terminal (tmux): answer a few prompts, cancel, resume; and without a terminal."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import ROOT

# In a real terminal: slow (`make test-slow`, CI)
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow]


class Tmux:
    def __init__(self, command: str, cwd, width: int = 110, height: int = 30):
        self.name = f"intake-test-{uuid.uuid4().hex[:8]}"
        # a tmux server of its own (-L): sessions of other tests ending cannot take its server down with them
        subprocess.run(["tmux", "-L", self.name, "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", str(height),
                        "-c", str(cwd), f"{command}; echo EXIT=$?; sleep 60"], check=True)

    def screen(self, history: bool = False) -> str:
        """What the terminal shows (with `history`, everything written since it started)."""
        since = ["-S", "-"] if history else []
        return subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p", *since, "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        return self.wait_until(lambda screen: text in screen, repr(text), timeout)

    def wait_until(self, ready, what: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{what} did not appear; screen:\n{self.screen()}")

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)


def test_answer_cancel_and_resume_in_a_real_terminal(tmp_path, clinic_config):
    intake = f"{sys.executable} -m intake --config {clinic_config.source}"
    term = Tmux(f"cd {ROOT} && {intake} ask --staff reception", tmp_path)
    person = Person(term)
    try:
        person.at("Your full name")
        person.type("Jo [b]Bloggs")
        person.at("Names can use letters")
        person.type("Jo Bloggs")  # asked again with an empty box: nothing to clear first
        person.at("Date of birth")
        person.type("1990-02-30")
        person.at("not a real date")
        person.type("28/02/1990")
        person.at("Mobile or phone number")
        term.send("C-c")
        screen = term.wait_for("EXIT=130")
        draft = re.search(r"Cancelled — draft saved as (\w+)\. Continue with: intake ask --resume \1", screen)
        assert draft, screen
        assert "Traceback" not in screen
    finally:
        term.close()

    term = Tmux(f"cd {ROOT} && {intake} ask --resume {draft.group(1)}", tmp_path)
    person = Person(term)
    try:
        screen = person.at("Your full name")
        assert f"Resuming intake {draft.group(1)}" in screen
        assert "k) keep: Jo Bloggs" in screen  # the saved answer is offered again, kept only by its key
        person.type("")
        person.at("This question needs an answer")  # Enter alone keeps nothing
        person.type("k")
        screen = person.at("Date of birth")
        assert "k) keep: 28/02/1990" in screen  # offered again in the clinic's date order, as typed
        term.send("C-d")
        screen = term.wait_for("EXIT=130")
        assert "draft saved as" in screen and "Traceback" not in screen
    finally:
        term.close()


def test_without_a_terminal_ask_refuses_and_points_to_the_file_commands():
    result = subprocess.run([sys.executable, "-m", "intake", "ask"], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "needs an interactive terminal" in result.stderr
    assert "intake validate FILE" in result.stderr and "intake render FILE" in result.stderr


LONG_TEXT_SCRIPT = """
import sys
from intake.engine import Engine
from intake.prompt.prompter import QuestionaryPrompter
from intake.questionnaire import localize
question = Engine.load().questionnaire.by_id[sys.argv[1]]
hint = localize(question.help, "en") if question.help else None
typed = QuestionaryPrompter().text(question.id, localize(question.label, "en"), instruction=hint, multiline=True)
print("TYPED=" + repr(typed))
"""


def _long_text_questions() -> list[str]:
    from intake.engine import Engine

    return [q.id for q in Engine.load().questionnaire.questions() if q.type == "long_text"]


@pytest.mark.parametrize("question_id", _long_text_questions())
def test_a_long_answer_prompt_is_drawn_whole_on_a_narrow_terminal(tmp_path, question_id):
    """On an 80-column terminal a long question and its hint wrap, and the client is told how to finish."""
    from intake.engine import Engine
    from intake.questionnaire import localize

    question = Engine.load().questionnaire.by_id[question_id]
    script = tmp_path / "long_text.py"
    script.write_text(LONG_TEXT_SCRIPT, encoding="utf-8")
    term = Tmux(f"cd {ROOT} && {sys.executable} {script} {question_id}", tmp_path, width=80)
    try:
        term.wait_for("Finish with")
        screen = " ".join(term.wait_until(lambda now: _waiting(now) == ">", "the answer box").split())
        assert " ".join(localize(question.label, "en").split()) in screen
        if question.help:
            assert " ".join(localize(question.help, "en").split()) in screen
        term.send("-l", "Smoother cheeks")
        term.send("Escape")
        term.send("Enter")
        assert "TYPED='Smoother cheeks'" in term.wait_for("EXIT=0")
    finally:
        term.close()


def _words(text: str) -> str:
    return " ".join(text.split())


def _waiting(screen: str) -> str:
    """The prompt the terminal waits at (nothing typed yet), or '' while it is busy."""
    lines = [line.rstrip() for line in screen.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if last.endswith(":") or last == ">" or last.endswith("· b: back") else ""


def _key(screen: str, label: str) -> str:
    """The key shown before an option on the screen, read as a person reads it."""
    found = re.findall(rf"(?:^|\s)(\S{{1,3}})\) {re.escape(label)}(?:\s{{3}}|$)", screen, re.MULTILINE)
    assert found, f"no option {label!r} on the screen:\n{screen}"
    return found[-1]


class Person:
    """A client at the terminal who follows only what the screen says."""

    def __init__(self, term: Tmux):
        self.term = term

    def at(self, words: str) -> str:
        """Waits for the terminal to ask, with `words` on the screen below the last answer; returns the screen."""
        def ready(screen: str) -> bool:
            lines = screen.splitlines()
            answered = max((i for i, line in enumerate(lines) if line.startswith("? ") and
                            not _waiting(line)), default=-1)
            return bool(_waiting(screen)) and _words(words) in _words("\n".join(lines[answered + 1:]))
        return self.term.wait_until(ready, repr(words))

    def type(self, text: str) -> None:
        self.term.send("-l", text) if text else None
        self.term.send("Enter")

    def choose(self, words: str, label: str) -> None:
        self.type(_key(self.at(words), label))

    def page_to(self, words: str) -> str:
        """Presses Enter through pages until `words` are asked."""
        while True:
            screen = self.term.wait_until(_waiting, "a prompt")
            if _waiting(screen).endswith("· b: back"):
                self.type("")
                self.term.wait_until(lambda now, before=screen: now != before, "the next page")
            elif _words(words) in _words(screen):
                return screen


#: What the practitioner types for each part of session 1's record, by the words that ask it.
SESSION_1 = (("Device", "Dr. Pen A6"), ("Cartridge: needle count", "12"), ("Cartridge: lot (batch)", "LOT-2611-A"),
             ("Numbing used", "none"), ("Serum applied", "hyaluronic acid"), ("How the skin responded", "even redness"))


def record_session_1(person: Person, expiry: str) -> None:
    """The practitioner, reading the screen, records today's treatment as session 1 and countersigns it: each area's
    depth at the lowest of the range the screen shows, the typed parts, no adverse events chosen, the next session's
    date kept as offered (its key), then their PIN."""
    from tests.conftest import PRACTITIONER_PIN

    person.choose("Was the client treated today?", "Record today's treatment (session 1)")
    screen = person.at("depth in mm")
    while "depth in mm" in _asked_now(screen):
        person.type(re.findall(r"\((\d+(?:\.\d+)?)–", _asked_now(screen))[-1])
        screen = person.term.wait_until(lambda now, before=screen: now != before and bool(_waiting(now)),
                                        "the next part")
    for words, typed in SESSION_1[:3]:
        person.at(words)
        person.type(typed)
    person.at("Cartridge: expiry date")
    person.type(expiry)
    for words, typed in SESSION_1[3:]:
        person.at(words)
        person.type(typed)
    person.choose("Adverse events?", "None")
    person.at("Advice given")
    person.type("the aftercare sheet")
    screen = person.at("Next session from")
    person.type(re.findall(r"(\S)\) keep: ", screen)[-1])  # the key the screen shows before "keep"
    person.choose("countersign the session now?", "Countersign now (your PIN)")
    person.at("PIN:")
    person.type(PRACTITIONER_PIN)


def _asked_now(screen: str) -> str:
    """What the terminal asks now: the lines below the last answered prompt."""
    lines = screen.splitlines()
    answered = max((i for i, line in enumerate(lines) if line.startswith("? ") and not _waiting(line)), default=-1)
    return "\n".join(lines[answered + 1:])


def test_a_whole_healthy_intake_at_80_by_24_records_what_was_chosen_and_cuts_no_word(tmp_path, clinic_config):
    from intake.datetyping import date_order, show_date
    from intake.engine import Engine
    from intake.questionnaire import localize
    from tests.conftest import PRACTITIONER_PIN
    from tests.documents.personas import baseline

    engine = Engine.load(clinic_config)
    q, answers = engine.questionnaire, baseline(engine)
    intake = f"{sys.executable} -m intake --config {clinic_config.source}"
    term = Tmux(f"cd {ROOT} && {intake} ask --staff reception", tmp_path, width=80, height=24)
    person, pressed_enter = Person(term), False
    try:
        for question in q.visible(answers):
            label, value = localize(question.label, "en"), answers.get(question.id)
            if question.type == "yes_no" and not pressed_enter:  # Enter alone records nothing: asked again
                person.at(label)
                person.type("")
                person.at("Nothing is chosen yet.")
                pressed_enter = True
            if question.type in ("yes_no", "acknowledgement"):
                person.choose(label, q.word("yes" if value else "no", "en"))
            elif question.type == "choice":
                person.choose(label, localize(question.option(value).label, "en"))
            elif question.type == "multi_choice":
                screen = person.at(label)
                person.type(" ".join(_key(screen, localize(question.option(v).label, "en")) for v in value))
                person.at("Ticked:")
                person.type("")
            else:
                person.at(label)
                person.type(show_date(value, date_order(engine.config)) if question.type == "date" else value or "")
                if question.type == "long_text":
                    term.send("Escape", "Enter")
        person.page_to("Are these answers true and complete?")
        person.choose("Are these answers true and complete?", "Yes, they are true and complete")
        person.page_to("I have read this information")
        person.choose("I have read this information", "Yes")
        person.at("Type your full name to sign")
        person.type(answers["full_name"])
        person.at("PIN:")
        person.type(PRACTITIONER_PIN)
        person.page_to("Practitioner: what now?")
        person.choose("Practitioner: what now?", "Go on to countersign")
        person.choose("I countersign this consent", "Yes")
        record_session_1(person, show_date("2099-06-30", date_order(engine.config)))
        screen = term.wait_for("EXIT=", timeout=60)
        history = term.screen(history=True)
        assert "EXIT=0" in screen and "Documents saved in" in history
        assert "Session 1 is recorded and countersigned" in history
    finally:
        term.close()

    assert "Traceback" not in history
    edge = [line for line in history.splitlines() if len(line.rstrip()) >= 80]
    assert edge == [], edge  # nothing reached the edge to be cut
    for question in q.visible(answers):  # every question was drawn whole, its words in one piece
        assert _words(localize(question.label, "en")) in _words(history)
    intake_id = re.search(r"^  (\w+)_consent_\w+\.pdf$", history, re.MULTILINE).group(1)
    stored = subprocess.run([*intake.split(), "records", "show", intake_id, "--staff", "reception"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert stored.returncode == 0, stored.stderr
    from intake.records.export import shown_answer

    recorded = [line.strip() for line in stored.stdout.splitlines() if line.startswith("    ") and ": " in line]
    expected = [f"{localize(x.label, 'en')}: {shown_answer(q, x, answers[x.id], 'en')}"
                for x in q.visible(answers) if x.id in answers]
    sessions = [line for line in recorded if line.startswith("Visit ")]
    assert [line for line in recorded if not line.startswith(("[", "#", "Visit "))] == expected
    assert len(sessions) == 1 and "session 1" in sessions[0] and "countersigned (on the consultation's day)" in \
        sessions[0] and "skin: even redness" in sessions[0], sessions  # what the practitioner typed, theirs
    assert f"Intake {intake_id}: signed" in stored.stdout
