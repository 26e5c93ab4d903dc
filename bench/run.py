"""Runs every bench/bench_*.py module and prints one table (`make bench`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import Result  # noqa: E402 - bench/ is put on the path just above


def _fmt(seconds: float | None, unit: str = "") -> str:
    if seconds is None:
        return "-"
    if unit:  # a count, e.g. key presses
        return f"{seconds:.0f}"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv: list[str]) -> int:
    only = argv[1:]
    results: list[Result] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and not any(word in path.stem for word in only):
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        results.extend(module.collect())
    print_results(results)
    return 0


def print_results(results: list[Result]) -> None:
    """Prints the benchmark table."""
    header = f"{'benchmark':44} {'median':>10} {'baseline (same run)':>32} {'ratio':>6}  {'budget':24} ok"
    print(header)
    print("-" * len(header))
    for r in results:
        base = f"{r.baseline_name} {_fmt(r.baseline_s, r.unit)}" if r.baseline_name else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        value = _fmt(r.median_s, r.unit)
        print(f"{r.name:44} {value:>10} {base:>32} {ratio:>6}  {r.budget:24} {'yes' if r.ok else 'NO'}")
        if r.note:
            print(f"    {r.note}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
