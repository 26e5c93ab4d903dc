"""Benchmarks the whole-clinic export (`intake records export --format bundle`): time and peak memory.

A store of N intakes (default 2,000; `python bench/bench_export.py --intakes 100000` for the full
size, or INTAKE_BENCH_EXPORT_INTAKES) is built through the Store API: each intake is submitted with
a complete record and gets a 2 KiB stand-in PDF. While building, the bench turns SQLite's fsync off
on its own connection (building is not what is measured). The export then runs in a fresh process,
whose peak resident memory is read from the operating system; the same is done for a quarter of
the intakes, so the two peaks show whether memory grows with the number of intakes. The same-run
baseline is reading every intake through `Store.load_intake` (decryption only, nothing written).
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Result

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INTAKES = int(os.environ.get("INTAKE_BENCH_EXPORT_INTAKES", "2000"))
PDF = b"%PDF-1.7\n% stand-in for a sealed document\n" + b"0" * 2000 + b"\n%%EOF\n"

_CONFIG = """
[clinic]
name = "Bench Clinic"
address = "1 Bench Street"
phone = "+44 20 7946 0000"
timezone = "Europe/London"

[[practitioners]]
id = "ajordan"
name = "Alex Jordan"

[storage]
data_dir = "{folder}/data"

[security]
data_key_file = "{folder}/keys/data.key"

[documents]
out_dir = "{folder}/out"
"""

_EXPORT = """
import json, resource, sys, time
from pathlib import Path
from intake.config import load_config
from intake.records import Store
from intake.records.bulk import ExportScope, export_bulk
config = load_config(sys.argv[1])
with Store.open(config) as store:
    scope = ExportScope(until=sys.argv[3] if len(sys.argv) > 3 else None)
    start = time.perf_counter()
    report = export_bulk(store, scope, Path(sys.argv[2]), staff="bench", device="bench")
    took = time.perf_counter() - start
print(json.dumps({"seconds": took, "intakes": report.intakes,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


class _Doc:
    def __init__(self, index: int):
        self.kind, self.pdf, self.filename = "consent", PDF, f"consent-{index}.pdf"
        self.template_versions = {"consent": "bench"}

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.pdf).hexdigest()


def build(folder: Path, intakes: int) -> Path:
    """A clinic with `intakes` submitted intakes with one stand-in document each; returns its TOML."""
    from intake.config import load_config
    from intake.engine import Engine
    from intake.records import Store, create_data_key
    from tests.conftest import load_example

    config_path = folder / "clinic.toml"
    config_path.write_text(_CONFIG.format(folder=folder), encoding="utf-8")
    config = load_config(config_path)
    create_data_key(config)
    engine = Engine.load(config_path)
    base = load_example("suitable")
    assessment = engine.assess(base).to_dict()
    with Store.open(config, engine=engine) as store:
        store.conn.execute("PRAGMA synchronous=OFF")  # building only; the export runs with the normal settings
        for index in range(intakes):
            record = copy.deepcopy(base)
            record["answers"]["full_name"] = "Client " + "".join(chr(97 + int(d)) for d in f"{index:06d}")
            record["consultation_date"] = f"2026-{1 + index % 11:02d}-{1 + index % 28:02d}"
            record.pop("record_id", None)
            intake_id = store.start_intake(staff="bench", device="bench", consultation_date=record["consultation_date"])
            store.submit(intake_id, record=record, assessment=assessment, staff="bench", device="bench")
            store.add_documents(intake_id, [_Doc(index)], staff="bench", device="bench")
    return config_path


def _export(config_path: Path, out: Path, until: str | None = None) -> dict:
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", _EXPORT, str(config_path), str(out), *([until] if until else [])]
    done = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def _baseline(config_path: Path) -> float:
    from intake.config import load_config
    from intake.records import Store

    with Store.open(load_config(config_path)) as store:
        start = time.perf_counter()
        after, count = None, 0
        while True:
            page = store.intake_page(after=after, limit=500)
            for _, intake_id in page:
                store.load_intake(intake_id)
                count += 1
            if len(page) < 500:
                break
            after = page[-1]
        return time.perf_counter() - start


def collect(intakes: int = DEFAULT_INTAKES) -> list[Result]:
    saved = os.environ.pop("INTAKE_DATA_KEY", None)
    try:
        with tempfile.TemporaryDirectory(prefix="intake-bench-export-") as temp:
            folder = Path(temp)
            started = time.perf_counter()
            config_path = build(folder, intakes)
            built = time.perf_counter() - started
            quarter = _export(config_path, folder / "export-quarter", until="2026-03-31")
            full = _export(config_path, folder / "export-full")
            baseline = _baseline(config_path)
    finally:
        if saved is not None:
            os.environ["INTAKE_DATA_KEY"] = saved
    n = full["intakes"]
    per = full["seconds"] / n
    grows = full["peak_mb"] - quarter["peak_mb"]
    return [
        Result(f"export: {n:,} intakes as Bundle + folder", full["seconds"], "memory flat in N (< +20 MB)",
               grows < 20, "load_intake of each", baseline,
               note=f"{per * 1000:.2f} ms per intake with its PDF; peak RSS {full['peak_mb']:.0f} MB for {n:,} "
                    f"intakes vs {quarter['peak_mb']:.0f} MB for {quarter['intakes']:,} (+{grows:.1f} MB); "
                    f"store built in {built:.0f} s"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intakes", type=int, default=DEFAULT_INTAKES, help="size of the generated store")
    args = parser.parse_args()
    for result in collect(args.intakes):
        print(f"{result.name}: {result.median_s:.3f} (baseline {result.baseline_name} {result.baseline_s}) "
              f"{result.note}")
    print(f"(process peak including the build: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
