"""A worker process for the documents throughput bench: one warm PacketRenderer, packets rendered on request."""

from __future__ import annotations

import json
import time
from pathlib import Path

_STATE: dict = {}


def warm(config_path: str, record_path: str) -> None:
    """Loads the engine and renderer and renders one packet untimed (the process is then warm)."""
    import sys

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    from bench_documents import _inputs

    from intake.documents import PacketRenderer
    from intake.engine import Engine

    renderer = PacketRenderer(Engine.load(config_path))
    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    _STATE.update(renderer=renderer, record=record, inputs=_inputs)
    render(0)
    from intake.documents import settle_warm_process

    settle_warm_process()  # as the product's render process does after its first render


def render(_n: int) -> tuple[float, float]:
    """Renders and seals one packet; returns when it finished (perf_counter of this machine) and its CPU seconds."""
    renderer, record = _STATE["renderer"], _STATE["record"]
    cpu = time.process_time()
    renderer.render(record, **_STATE["inputs"](renderer, record))
    return time.perf_counter(), time.process_time() - cpu


def main(argv: list[str]) -> int:
    """`packet_worker.py CONFIG RECORD`: warms up, prints 'ready', then renders packets for ever, one line each.

    bench_tui runs it as the other intake rendering documents on the same machine, pausing it with
    SIGSTOP for the quiet measurements and resuming it with SIGCONT for the loaded ones.
    """
    warm(argv[1], argv[2])
    print("ready", flush=True)
    count = 0
    while True:
        _, cpu = render(count)
        count += 1
        print(f"{count} {cpu:.3f}", flush=True)


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv))
