"""Benchmarks the documents: a typical sealed packet (warm and cold) against bare WeasyPrint on the same HTML."""

from __future__ import annotations

import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from harness import PYTHON, Result, median, time_command

ROOT = Path(__file__).resolve().parent.parent
SIGNED = datetime(2026, 11, 20, 14, 40, 5, tzinfo=UTC)
STROKES = [[(0.05 + i / 40, 0.5 + (0.2 if i % 2 else -0.2)) for i in range(30)], [(0.2, 0.8), (0.9, 0.75)]]


def _clinic(folder: Path) -> Path:
    """A copy of the demo configuration with its seal in `folder`."""
    from intake.paths import DEMO_CONFIG

    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for key in ("seal_key_file", "seal_cert_file", "data_key_file"):
        text = re.sub(rf'{key} = ".*"', f'{key} = "{folder}/keys/{key}.pem"', text)
    text = re.sub(r'data_dir = ".*"', f'data_dir = "{folder}/data"', text)
    path = folder / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _inputs(renderer, record):
    from intake.documents import Countersignature, Signature

    name = record["answers"]["full_name"]
    return {
        "client_signature": Signature("drawn", name, renderer.statement("consent"), SIGNED, STROKES),
        "photo_signature": Signature("typed", name, renderer.statement("photo_consent"), SIGNED),
        "countersignature": Countersignature("ajordan", SIGNED),
    }


def collect() -> list[Result]:
    from weasyprint import CSS, HTML

    from intake.config import load_config
    from intake.documents import PacketRenderer, create_seal_identity, verify_pdf
    from intake.documents.fetcher import BASE_URL
    from intake.engine import Engine

    results = []
    folder = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    config_path = _clinic(folder)
    create_seal_identity(load_config(config_path), valid_from=datetime(2026, 1, 1, tzinfo=UTC))
    record = json.loads((ROOT / "examples" / "suitable.json").read_text(encoding="utf-8"))

    # Cold: a new process that loads everything, renders and seals one packet.
    script = (
        "import json, sys; sys.path.insert(0, 'bench')\n"
        "from bench_documents import _inputs\n"
        "from intake.engine import Engine\nfrom intake.documents import PacketRenderer\n"
        f"r = PacketRenderer(Engine.load({str(config_path)!r}))\n"
        "rec = json.load(open('examples/suitable.json'))\n"
        "r.render(rec, **_inputs(r, rec))\n"
    )
    cold = median(time_command([PYTHON, "-c", script], repeat=3))
    results.append(Result("documents: cold (new process -> sealed packet)", cold, "report only", True))

    engine = Engine.load(config_path)
    start = time.perf_counter()
    renderer = PacketRenderer(engine)
    packet = renderer.render(record, **_inputs(renderer, record))
    first = time.perf_counter() - start
    results.append(Result("documents: first packet, new renderer", first, "report only", True,
                          note=f"{len(packet.documents)} documents, "
                               f"{sum(len(d.pdf) for d in packet.documents) // 1024} KiB"))

    # Capture the final HTML of the packet, to give bare WeasyPrint exactly the same work.
    htmls: list[str] = []
    original = renderer.write_pdf

    def capture(html, *args, **kwargs):
        htmls.append(html)
        return original(html, *args, **kwargs)

    renderer.write_pdf = capture
    renderer.render(record, **_inputs(renderer, record))
    renderer.write_pdf = original
    css_text = renderer.templates.stylesheet + "\n@page { size: A4; }"

    def ours():
        renderer.render(record, **_inputs(renderer, record))

    def bare():
        for html in htmls:
            HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher).write_pdf(
                stylesheets=[CSS(string=css_text, base_url=BASE_URL, url_fetcher=renderer.fetcher)])

    for fn in (ours, bare):
        fn()
    ours_times: list[float] = []
    bare_times: list[float] = []
    pairs = [((ours, ours_times), (bare, bare_times)), ((bare, bare_times), (ours, ours_times))]
    for round_ in range(24):  # side by side, alternating which goes first, so both see the same machine load
        for fn, bucket in pairs[round_ % 2]:
            begin = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - begin)
    warm, baseline = median(ours_times), median(bare_times)
    results.append(Result("documents: render + seal packet (warm)", warm, "<= 0.6 s and <= 1.2x",
                          warm <= 0.6 and warm <= 1.2 * baseline, "bare WeasyPrint, same HTML", baseline,
                          note="packet = consent with photo consent section + aftercare; "
                               "ours adds validation, PDF/A-3, attachment and the seal"))

    config = load_config(config_path)
    document = packet.document("consent").pdf
    verify_pdf(document, config)
    times = []
    for _ in range(8):
        begin = time.perf_counter()
        verify_pdf(document, config)
        times.append(time.perf_counter() - begin)
    results.append(Result("documents: verify one consent (warm)", median(times), "report only", True))
    return results
