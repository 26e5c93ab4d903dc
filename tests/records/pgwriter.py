"""A writer process of the PostgreSQL concurrency test (test_postgres_concurrency.py).

    python -m tests.records.pgwriter CONFIG COUNT DEVICE

Opens the clinic's records ([storage] engine = "postgresql", the server from INTAKE_DATABASE_URL), prints
"ready", waits for a line on standard input (so every writer starts together), then makes COUNT intakes, each
in two write transactions (started, then viewed), and prints their ids, one a line.
"""

from __future__ import annotations

import sys

from intake.config import load_config
from intake.records import open_store


def main(argv: list[str]) -> int:
    config_path, count, device = argv[0], int(argv[1]), argv[2]
    with open_store(load_config(config_path)) as store:
        store.engine  # noqa: B018 (loaded before the start, not while the others write)
        print("ready", flush=True)
        sys.stdin.readline()
        made = []
        for _ in range(count):
            intake_id = store.start_intake(staff="amy", device=device, consultation_date="2026-11-20")
            store.view(intake_id, staff="amy", device=device)
            made.append(intake_id)
    print("\n".join(made), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
