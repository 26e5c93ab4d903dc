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

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, command: str, cwd, width: int = 110):
        self.name = f"intake-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", "30", "-c", str(cwd),
                        f"{command}; echo EXIT=$?; sleep 60"], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                              check=True).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; screen:\n{self.screen()}")

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def test_answer_cancel_and_resume_in_a_real_terminal(tmp_path, clinic_config):
    intake = f"{sys.executable} -m intake --config {clinic_config.source}"
    term = Tmux(f"cd {ROOT} && {intake} ask --staff reception", tmp_path)
    try:
        term.wait_for("Your full name")
        term.send("Jo [b]Bloggs", "Enter")
        term.wait_for("Names can use letters")
        term.send("C-u", "Jo Bloggs", "Enter")
        term.wait_for("Date of birth")
        term.send("1990-02-30", "Enter")
        term.wait_for("not a real date")
        term.send("C-u", "1990-02-28", "Enter")
        term.wait_for("Mobile or phone number")
        term.send("C-c")
        screen = term.wait_for("EXIT=130")
        draft = re.search(r"Cancelled — draft saved as (\w+)\. Continue with: intake ask --resume \1", screen)
        assert draft, screen
        assert "Traceback" not in screen
    finally:
        term.close()

    term = Tmux(f"cd {ROOT} && {intake} ask --resume {draft.group(1)}", tmp_path)
    try:
        screen = term.wait_for("Your full name")
        assert f"Resuming intake {draft.group(1)}" in screen
        assert "k) keep: Jo Bloggs" in screen  # the saved answer is offered again, kept only by its key
        term.send("Enter")
        term.wait_for("This question needs an answer")  # Enter alone keeps nothing
        term.send("k", "Enter")
        screen = term.wait_for("Date of birth")
        assert "k) keep: 28/02/1990" in screen  # offered again in the clinic's date order
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
        screen = " ".join(term.wait_for("Finish with").split())
        assert " ".join(localize(question.label, "en").split()) in screen
        if question.help:
            assert " ".join(localize(question.help, "en").split()) in screen
        term.send("-l", "Smoother cheeks")
        term.send("Escape")
        term.send("Enter")
        assert "TYPED='Smoother cheeks'" in term.wait_for("EXIT=0")
    finally:
        term.close()
