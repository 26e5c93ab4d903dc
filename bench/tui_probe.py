"""Child process for bench_tui: shows a first screen headless and prints seconds since the parent spawned it.

Usage: python bench/tui_probe.py intake|bare SPAWN_TIME [WIDGETS]
"""

from __future__ import annotations

import os
import sys
import time

kind, spawned = sys.argv[1], float(sys.argv[2])


def painted(count: int) -> None:
    print(f"{time.time() - spawned:.6f} {count}", flush=True)
    os._exit(0)  # leave at once: background loading is not part of "first screen"


if kind == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            for index in range(int(sys.argv[3])):
                yield Static(f"widget {index}")

        def on_mount(self) -> None:
            self.call_after_refresh(lambda: painted(len(list(self.screen.query("*")))))

    Bare().run(headless=True, size=(80, 24))
else:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from intake.cli.tui_commands import _clinic_name, load_engine, open_session
    from intake.config import config_path
    from intake.tui.app import IntakeApp
    from intake.tui.screens.welcome import WelcomeScreen

    shown = WelcomeScreen.on_mount

    def on_mount(self) -> None:
        shown(self)
        self.call_after_refresh(lambda: painted(len(list(self.query("*")))))

    WelcomeScreen.on_mount = on_mount
    path = config_path(None)
    IntakeApp(lambda: load_engine(path), open_session, clinic=_clinic_name(path),
              kiosk=True).run(headless=True, size=(80, 24))
