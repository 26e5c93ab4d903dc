"""Writes pytest's assertion-rewritten bytecode of the test modules and conftest files ahead of `make test`.

Where PYTHONDONTWRITEBYTECODE is set (as on this machine), pytest rewrites every test module's asserts again in
each worker (-n 3: three times) and keeps nothing: about 3.7 s of CPU per worker, half of its collection. Here
each file is rewritten once, on both cores, with pytest's own `rewrite_asserts`, into the cache file pytest reads
first (`__pycache__/NAME.<tag>-pytest-<version>.pyc`: the same header and code pytest writes where it may).
pytest checks the header against the source's size and mtime: an edited file is rewritten by pytest as before,
and if a newer pytest reads its cache differently it just rewrites, as without this. Files up to date are skipped.
This suite's ini enables no assertion-pass hook; the rewriting here uses none.

    python tests/rewrite_ahead.py [FOLDER]   (default: tests/)
"""

from __future__ import annotations

import ast
import importlib.util
import marshal
import os
import struct
import sys
from multiprocessing import Pool
from pathlib import Path

from _pytest.assertion.rewrite import PYC_TAIL, get_cache_dir, rewrite_asserts


def _cached(source: Path) -> Path:
    return get_cache_dir(source) / (source.name[:-3] + PYC_TAIL)


def _header(stat: os.stat_result) -> bytes:
    """The 16 bytes pytest writes before the code: magic number, no flags, the source's mtime and size."""
    return importlib.util.MAGIC_NUMBER + b"\x00\x00\x00\x00" + struct.pack(
        "<LL", int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)


def _stale(source: Path) -> bool:
    try:
        with _cached(source).open("rb") as cached:
            return cached.read(16) != _header(source.stat())
    except OSError:
        return True


def _rewrite(source: Path) -> None:
    stat, data = source.stat(), source.read_bytes()
    tree = ast.parse(data, filename=str(source))
    rewrite_asserts(tree, data, str(source), None)
    code = compile(tree, str(source), "exec", dont_inherit=True)
    target = _cached(source)
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}")
    partial.write_bytes(_header(stat) + marshal.dumps(code))
    os.replace(partial, target)  # whole or not at all, as pytest writes it


def main(folder: Path) -> int:
    sources = sorted(p for p in folder.rglob("*.py") if p.name == "conftest.py" or p.name.startswith("test_"))
    stale = [p for p in sources if _stale(p)]
    if stale:
        with Pool(2) as pool:
            pool.map(_rewrite, stale, chunksize=8)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent))
