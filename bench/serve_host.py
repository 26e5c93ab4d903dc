"""Runs `intake serve` on the demo clinic for bench_serve.

Modes: `shared` as a clinic gets it (one renderer, wizards forked from a warm template); `started` (one renderer,
each wizard a process started anew: how the server ran before the template); `own` (a renderer per wizard, started
anew: before the renderer was shared).

`started` and `own` are the same-run baselines for memory and screen changes. The server holds MAX_SESSIONS
tablets at once (0: this machine's default cap, as a clinic gets it).
Usage: python bench/serve_host.py PORT shared|started|own MAX_SESSIONS
"""

from __future__ import annotations

import sys
from dataclasses import replace

from intake.config import config_path, load_config
from intake.serve.process import wizard_command
from intake.serve.settings import ServeSettings
from intake.serve.web import TabletServer


def main(port: int, mode: str, max_sessions: int) -> None:
    config = load_config(None)
    settings = ServeSettings.from_config(config.section("serve"), config.data_dir, host=None, port=port)
    if max_sessions:
        settings = replace(settings, max_sessions=max_sessions)
    settings.check()
    source = config_path(None).resolve()
    TabletServer(wizard_command(source), settings, config.clinic["name"],
                 renderer=source if mode in ("shared", "started") else None,
                 template=source if mode == "shared" else None).run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
