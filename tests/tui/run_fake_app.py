"""Runs the wizard in a real terminal on the real store with the fake renderer (tmux smoke test, manual looks).

Usage: python -m tests.tui.run_fake_app [--kiosk] [--idle SECONDS]
"""

from __future__ import annotations

import argparse

from intake.engine import Engine
from intake.records import Store
from intake.tui.app import IntakeApp
from intake.tui.session import IntakeSession
from tests.tui.fakes import fake_documents


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosk", action="store_true")
    parser.add_argument("--idle", type=float, default=None)
    args = parser.parse_args()
    app = IntakeApp(Engine.load, lambda engine: IntakeSession(engine, Store.open(engine.config, engine=engine),
                                                              fake_documents),
                    clinic="Demo Skin Clinic", kiosk=args.kiosk, idle_timeout=args.idle)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
