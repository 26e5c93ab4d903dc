"""A rotating process for the PostgreSQL rotation tests (test_postgres_rotate.py), to be stopped where told.

    python -m tests.records.pgrotator CONFIG WHERE

Rotates the records data key of the clinic in CONFIG ([storage] engine = "postgresql", the server from
INTAKE_DATABASE_URL) as `intake keys rotate` does. WHERE says where it stops to wait for a line on standard input,
after printing the word (so the test can kill it there, or let it go on): `inside` (in the rotation's
transaction, every value re-encrypted, the audit chain not yet re-hashed, the writers' lock held), `committed`
(after the commit, before the key files move), or `nowhere`. Prints "rotated OLD NEW" at the end.
"""

from __future__ import annotations

import sys
from typing import Any

from intake.config import load_config
from intake.records import rotate


def _pause(word: str) -> None:
    print(word, flush=True)
    sys.stdin.readline()


def main(argv: list[str]) -> int:
    config_path, where = argv[0], argv[1]
    remake, switch = rotate._remake_keyed, rotate.finish_switch

    def remake_then_pause(*args: Any) -> None:
        remake(*args)
        _pause("inside")

    def pause_then_switch(*args: Any) -> None:
        _pause("committed")
        switch(*args)

    if where == "inside":
        rotate._remake_keyed = remake_then_pause  # type: ignore[assignment]
    elif where == "committed":
        rotate.finish_switch = pause_then_switch  # type: ignore[assignment]
    old, new = rotate.rotate_data_key(load_config(config_path), staff="amy", device="office")
    print(f"rotated {old} {new}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
