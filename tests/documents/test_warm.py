"""A warm render process settles once: what it keeps leaves the collector's walks, what it renders later does not."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc
from intake.documents import settle_warm_process
kept = [[i] for i in range(1000)]
first, again = settle_warm_process(), settle_warm_process()
frozen = gc.get_freeze_count()
later = [[]]
later[0].append(later)  # a cycle made after settling is still collected
del later
print(first, again, frozen >= 1000, gc.collect() >= 1, gc.get_freeze_count() == frozen)
"""


def test_a_process_settles_once_and_still_collects_what_it_makes_later():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["True", "False", "True", "True", "True"]
