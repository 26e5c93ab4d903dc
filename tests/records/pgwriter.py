"""A writer process of the PostgreSQL concurrency test (test_postgres_concurrency.py).

    python -m tests.records.pgwriter CONFIG COUNT DEVICE
    python -m tests.records.pgwriter CONFIG SECONDSs DEVICE     (as many as it can in that time: `20s`)

Opens the clinic's records ([storage] engine = "postgresql", the server from INTAKE_DATABASE_URL), prints
"ready", waits for a line on standard input (so every writer starts together), then makes COUNT intakes, each
in two write transactions (started, then viewed), and prints their ids, one a line.
"""

from __future__ import annotations

import sys
import time

from intake.config import load_config
from intake.records import open_store


def main(argv: list[str]) -> int:
    config_path, amount, device = argv[0], argv[1], argv[2]
    timed = amount.endswith("s")
    count = 10**9 if timed else int(amount)
    with open_store(load_config(config_path)) as store:
        store.engine  # noqa: B018 (loaded before the start, not while the others write)
        print("ready", flush=True)
        sys.stdin.readline()
        made = []
        until = time.monotonic() + float(amount[:-1]) if timed else float("inf")
        while len(made) < count and time.monotonic() < until:
            intake_id = store.start_intake(staff="amy", device=device, consultation_date="2026-11-20")
            store.view(intake_id, staff="amy", device=device)
            made.append(intake_id)
    print("\n".join(made), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
