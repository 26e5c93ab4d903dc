"""The welcome screen shows before the rest of the wizard loads (#27: first screen within 1.3x a bare Textual app):
what `intake start` imports before the first paint leaves out the questionnaire, the documents, the records store
and the later screens, and what is alive when the first app is made is frozen out of the collector's sight once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Loaded by the loading thread after the welcome screen is painted (IntakeApp._load_in_thread), never before.
LATER = ("intake.questionnaire", "intake.documents", "intake.records", "intake.engine", "intake.lifecycle",
         "intake.tui.screens.privacy", "intake.tui.screens.step", "textual.widgets._text_area", "jsonschema")

CODE = """
import gc, sys
from intake.cli.tui_commands import _clinic_name, load_engine, open_session
from intake.config import config_path
from intake.tui.app import IntakeApp
from intake.tui.flow import Flow
from intake.tui.screens.welcome import WelcomeScreen
print(sorted(m for m in sys.modules if any(m == name or m.startswith(name + '.') for name in LATER)))
assert gc.get_freeze_count() == 0
path = config_path(None)
IntakeApp(lambda: load_engine(path), open_session, clinic=_clinic_name(path), kiosk=True)
frozen = gc.get_freeze_count()
IntakeApp(lambda: load_engine(path), open_session, clinic="again")
print(frozen > 1000, gc.get_freeze_count() == frozen)
"""


def test_the_first_screen_path_imports_nothing_the_welcome_screen_does_not_need_and_freezes_once():
    code = f"LATER = {LATER!r}\n{CODE}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True True"]
