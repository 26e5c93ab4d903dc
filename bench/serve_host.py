"""Runs `intake serve` on the demo clinic for bench_serve, with the shared renderer or (argument `own`) one per wizard.

`own` is how the server ran before the renderer was shared: the same-run baseline for memory and
screen changes. The server holds MAX_SESSIONS tablets at once (0: this machine's default cap, as a clinic
gets it). Usage: python bench/serve_host.py PORT shared|own MAX_SESSIONS
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
                 renderer=source if mode == "shared" else None).run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
