"""Benchmarks the documents: a typical sealed packet (warm and cold) against fair baselines on the same HTML.

Baselines, measured in the same run, side by side: bare WeasyPrint given the renderer's own advantages
(one FontConfiguration, the stylesheet parsed once, a warm process), and a warm headless Chromium
printing the same HTML over the DevTools protocol (skipped with a note when chromium is absent), the HTML
put into its one open page without a navigation (Page.setDocumentContent: the cheapest way measured) and,
for comparison, navigated to as a file:// page (see chromium.py; each line names how it was loaded).
Throughput: packets per second on one core, and ten packets at once on two worker processes.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import chromium
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


def _for_browser(html: str, renderer) -> str:
    """The same final HTML for a browser: the stylesheet inlined, template assets as data: URIs."""
    from intake.documents.fetcher import MIME_TYPES

    def inline(text: str) -> str:
        for name, data in renderer.templates.assets.items():
            mime = MIME_TYPES[name.rsplit(".", 1)[1]]
            text = text.replace(f"intake-asset:{name}", f"data:{mime};base64,{base64.b64encode(data).decode()}")
        return text

    style = f"<style>{inline(renderer.templates.stylesheet)}\n@page {{ size: A4; }}</style>"
    return inline(html).replace("</head>", style + "</head>", 1)


def _fingerprint_free(html: str, sha: str) -> str:
    """The HTML without the data fingerprint it prints (plain and in groups of eight)."""
    from intake.documents.formatting import groups

    return html.replace(groups(sha), "FINGERPRINT").replace(sha, "FINGERPRINT")


def _plan_changes(renderer, record) -> list[Result]:
    """For each change a practitioner can make to the plan: which documents' final HTML it changes, and whether
    a document changes only by the data fingerprint (the embedded data of the whole packet) it prints."""
    from dataclasses import replace

    from intake.documents import Countersignature

    engine = renderer.engine
    plan = engine.default_plan(record, engine.assessor.assess(record))
    first = plan.areas[0]
    changes = {
        "one more session": replace(plan, sessions=plan.sessions + 1),
        "an area unticked": replace(plan, areas=plan.areas[1:]),
        "a week more between sessions": replace(plan, interval_weeks=plan.interval_weeks + 1),
        "maintenance a month later": replace(plan, maintenance_months=tuple(m + 1 for m in plan.maintenance_months)),
        "a day more of redness": replace(plan, downtime_days=tuple(d + 1 for d in plan.downtime_days)),
        "one area shallower": replace(plan, areas=(replace(first, depth_max=first.depth_max - 0.25), *plan.areas[1:])),
    }

    def final_html(with_plan) -> tuple[dict[str, str], str]:
        htmls: dict[str, str] = {}
        original = renderer.write_pdf

        def capture(html, attachment, created, info):
            htmls[info["IntakeDocument"]] = html
            return original(html, attachment, created, info)

        inputs = _inputs(renderer, record)
        inputs["countersignature"] = Countersignature("ajordan", SIGNED, plan=with_plan)
        renderer.write_pdf = capture
        try:
            packet = renderer.render(record, **inputs)
        finally:
            renderer.write_pdf = original
        return htmls, packet.attachment_sha256

    before, sha = final_html(plan)
    lines = []
    for change, changed in changes.items():
        after, new_sha = final_html(changed)
        words = []
        for kind in before:
            if before[kind] == after[kind]:
                words.append(f"{kind} unchanged")
            elif _fingerprint_free(before[kind], sha) == _fingerprint_free(after[kind], new_sha):
                words.append(f"{kind} only by the data fingerprint")
            else:
                words.append(f"{kind} in its words")
        lines.append(f"{change}: {', '.join(words)}")
    return [Result("documents: what a plan change re-lays out", float(len(changes)), "report only", True,
                   unit="changes", note="; ".join(lines))]


def _per_document(renderer, htmls: list[str], kinds: list[str], rounds: int = 8) -> list[Result]:
    """Each document's warm CPU: laying it out (style, boxes, lines, pages) and drawing and writing the PDF."""
    from weasyprint import HTML

    from intake.documents.fetcher import BASE_URL

    results = []
    for kind, html in zip(kinds, htmls, strict=True):
        layout, drawing, pages = [], [], 0
        for _ in range(rounds):
            begin = time.process_time()
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher).render(
                stylesheets=renderer.stylesheets, font_config=renderer.font_config, presentational_hints=False)
            laid_out = time.process_time()
            document.write_pdf()
            layout.append(laid_out - begin)
            drawing.append(time.process_time() - laid_out)
            pages = len(document.pages)
        results.append(Result(f"documents: {kind}, laid out and drawn (CPU)", median(layout) + median(drawing),
                              "report only", True,
                              note=f"{pages} pages; layout {median(layout) * 1000:.0f} ms "
                                   f"({median(layout) / pages * 1000:.0f} ms a page), drawing and writing "
                                   f"{median(drawing) * 1000:.0f} ms (bare WeasyPrint, warm, the example packet)"))
    return results


def _side_by_side(contenders, browser, rounds: int) -> tuple[dict, dict]:
    """Wall and CPU seconds of each contender, round by round, so all see the same load.

    Each round takes the next order of all the orders there are, so every contender comes first, last and
    after each other one equally often; and each waits a moment before it starts, so that work another
    contender left running (Chromium's processes settle after a print) does not fall on it.
    """
    import itertools

    walls = {name: [] for name, _ in contenders}
    cpus = {name: [] for name, _ in contenders}
    for _, fn in contenders:
        fn()
    orders = list(itertools.permutations(contenders))
    for round_ in range(rounds):
        for name, fn in orders[round_ % len(orders)]:
            time.sleep(0.1)
            in_browser = name.startswith("chromium")
            outside = browser.cpu_seconds() if in_browser else 0.0
            cpu, begin = time.process_time(), time.perf_counter()
            fn()
            walls[name].append(time.perf_counter() - begin)
            spent = time.process_time() - cpu
            cpus[name].append(browser.cpu_seconds() - outside + spent if in_browser else spent)
    return walls, cpus


def _throughput(config_path: Path, record: dict, sequential: int = 8, together: int = 10) -> list[Result]:
    """Packets per second on one core (one warm process), and `together` packets at once on two warm processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, wait

    import packet_worker

    record_path = ROOT / "examples" / "suitable.json"
    packet_worker.warm(str(config_path), str(record_path))
    cpu, begin = time.process_time(), time.perf_counter()
    for n in range(sequential):
        packet_worker.render(n)
    wall, used = time.perf_counter() - begin, time.process_time() - cpu
    results = [Result("documents: packets per second, one core", wall / sequential, "report only", True,
                      note=f"{sequential / wall:.2f} packets/s wall, {sequential / used:.2f} packets per CPU-second "
                           f"({sequential} sealed packets in a row, one warm process)")]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=packet_worker.warm,
                             initargs=(str(config_path), str(record_path))) as pool:
        wait([pool.submit(packet_worker.render, n) for n in range(2)])  # both workers up and warm
        begin = time.perf_counter()
        done = [f.result() for f in [pool.submit(packet_worker.render, n) for n in range(together)]]
    finished = sorted(at - begin for at, _ in done)
    cpu = sum(used for _, used in done)
    results.append(Result(f"documents: {together} packets at once, 2 workers", finished[-1], "report only", True,
                          note=f"first done after {finished[0]:.2f} s, median {median(finished):.2f} s, last "
                               f"{finished[-1]:.2f} s: {together / finished[-1]:.2f} packets/s on two cores; "
                               f"{cpu / together * 1000:.0f} ms CPU per packet, so {2 * together / cpu:.2f} "
                               "packets/s if both cores were free"))
    return results


def collect() -> list[Result]:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from intake.config import load_config
    from intake.documents import PacketRenderer, create_seal_identity, settle_warm_process, verify_pdf
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
    settle_warm_process()  # what the render process does after its first render; bare WeasyPrint gains as much
    results.append(Result("documents: first packet, new renderer", first, "report only", True,
                          note=f"{len(packet.documents)} documents, "
                               f"{sum(len(d.pdf) for d in packet.documents) // 1024} KiB"))

    # Capture the final HTML of the packet, to give bare WeasyPrint and Chromium exactly the same work.
    htmls: list[str] = []
    original = renderer.write_pdf

    def capture(html, *args, **kwargs):
        htmls.append(html)
        return original(html, *args, **kwargs)

    renderer.write_pdf = capture
    renderer.render(record, **_inputs(renderer, record))
    renderer.write_pdf = original
    # A fair baseline: the advantages the renderer takes (one FontConfiguration, the stylesheet parsed once, a
    # warm process), without validation, PDF/A-3, the attachment and the seal.
    fonts = FontConfiguration()
    sheets = [CSS(string=renderer.templates.stylesheet, base_url=BASE_URL, url_fetcher=renderer.fetcher,
                  font_config=fonts),
              CSS(string="@page { size: A4; }", base_url=BASE_URL, url_fetcher=renderer.fetcher, font_config=fonts)]

    def ours():
        renderer.render(record, **_inputs(renderer, record))

    def bare():
        for html in htmls:
            HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher).write_pdf(
                stylesheets=sheets, font_config=fonts)

    contenders = [("ours", ours), ("bare", bare)]
    browser = None
    executable = chromium.find()
    if executable:
        browser = chromium.Chromium(executable)
        pages = [_for_browser(html, renderer) for html in htmls]

        def printing(how: str):
            def browser_print():
                for page in pages:
                    browser.print_pdf(page, how)
            return browser_print

        contenders += [("chromium", printing("content")), ("chromium-file", printing("file"))]
    try:
        walls, cpus = _side_by_side(contenders, browser, rounds=30)
    finally:
        if browser is not None:
            browser.close()
    warm, baseline = median(walls["ours"]), median(walls["bare"])
    cpu = {name: sum(values) / len(values) for name, values in cpus.items()}
    results.append(Result("documents: render + seal packet (warm)", warm, "<= 1.1x fair bare", warm <= 1.1 * baseline,
                          "bare WeasyPrint, fair", baseline,
                          note="packet = consent with photo consent section + aftercare; ours adds validation, "
                               "PDF/A-3, attachment and the seal. Baseline: same HTML, parsed CSS and one "
                               "FontConfiguration, warm, in the same settled process (gc.freeze after the first "
                               "render, as the render process does). CPU per packet: "
                               f"ours {cpu['ours'] * 1000:.0f} ms, bare {cpu['bare'] * 1000:.0f} ms"))
    if browser is not None:
        chrome, by_file = median(walls["chromium"]), median(walls["chromium-file"])
        results.append(Result("documents: packet vs warm Chromium (wall)", warm, "report only", True,
                              "Chromium print-to-PDF, loaded by setDocumentContent", chrome,
                              note="same final HTML (CSS inlined, assets as data: URIs), one warm page, DevTools "
                                   "protocol, no navigation; Chromium's PDFs have no running header/footer, PDF/A "
                                   f"or seal. Navigated to as a file:// page instead: {by_file * 1000:.0f} ms"))
        results.append(Result("documents: packet vs warm Chromium (CPU)", cpu["ours"], "CPU <= 0.9x Chromium's",
                              cpu["ours"] <= 0.9 * cpu["chromium"],
                              "Chromium, all processes, loaded by setDocumentContent", cpu["chromium"],
                              note="CPU seconds per packet: this process's time vs every Chromium process's "
                                   "(/proc) plus this process's share in driving it, measured round by round; "
                                   f"navigated to as a file:// page instead: {cpu['chromium-file'] * 1000:.0f} ms"))
    else:
        results.append(Result("documents: warm Chromium print-to-PDF", 0.0, "skipped", True,
                              note="chromium is not installed (apt-get install chromium); line skipped"))
    results.extend(_per_document(renderer, htmls, [d.kind for d in packet.documents]))
    results.extend(_plan_changes(renderer, record))
    results.extend(_throughput(config_path, record))

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
