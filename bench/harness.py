"""Provides timing helpers and the result row shared by every benchmark module in bench/.

A benchmark module is bench/bench_<area>.py with `collect() -> list[Result]`. Each result carries
its budget and, where the issue asks for one, a baseline measured in the same run, so the ratio is
meaningful on a noisy machine. Benchmarks report; they never fail the test suite.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Result:
    """One benchmark line: the measured median, its budget and an optional same-run baseline."""

    name: str
    median_s: float
    budget: str
    ok: bool
    baseline_name: str = ""
    baseline_s: float | None = None
    note: str = ""
    #: what median_s counts when it is not seconds (e.g. "key presses")
    unit: str = ""

    @property
    def ratio(self) -> float | None:
        """Measured time over baseline time."""
        return self.median_s / self.baseline_s if self.baseline_s else None


def time_calls(fn: Callable[[], object], repeat: int = 20, warmup: int = 2) -> list[float]:
    """Runs fn warmup times untimed, then repeat times, returning each duration in seconds."""
    for _ in range(warmup):
        fn()
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - start)
    return durations


def time_command(argv: Sequence[str], repeat: int = 10, env: dict | None = None) -> list[float]:
    """Times a whole process start to exit, repeat times."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        durations.append(time.perf_counter() - start)
    return durations


def median(values: Sequence[float]) -> float:
    """The median of the values."""
    return statistics.median(values)


PYTHON = sys.executable
