"""Benchmarks the record store: durable draft saves, and search and returning-client lookup at 10k and 100k intakes.

Set BENCH_MILLION=1 to add a 1,000,000-intake store (building it takes several minutes and about
1.5 GB of disk). Each fixture is built in a temporary folder: real sealed identities and real
blind-index tokens, bulk-inserted in one transaction (answers are small sealed stand-ins, since
search never opens them). The search baseline is the best plain alternative, not a strawman: the
same newest-first prefix index over the names in clear, walked the same way (what encryption rules out).
"""

from __future__ import annotations

import gc
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import Result, median, time_calls

ROOT = Path(__file__).resolve().parent.parent
_FIRST_NAMES = (
         "Maria Mark Martin Marta Mohammed Muhammad Aisha Amelia Olivia Oliver Noah Liam Emma Ava Sophia Isabella Mia "
         "Charlotte Harper Evelyn Abigail Emily Ella Elizabeth Camila Luna Sofia Avery Mila Aria Scarlett Penelope "
         "Layla Chloe Victoria Madison Eleanor Grace Nora Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoe "
         "Stella Aurora Natalie Emilia Everly Leah Aubrey Willow Addison Lucy Audrey Bella Nova Brooklyn Paisley "
         "Savannah Claire Skylar Isla Genesis Naomi Elena Caroline Eliana Anna Maya Valentina Ruby Kennedy Ivy "
         "Ariana Aaliyah Cora Madelyn Alice Kinsley Hailey Gabriella Allison Gianna Serenity Samantha Sarah Autumn "
         "Quinn Eva Piper Sophie Sadie Delilah Josephine Nevaeh Adeline Arya Emery Lydia Clara Vivian Madeline "
         "Peyton Julia Rylee Brielle Reagan Natalia Jade Athena Maria Leilani Everleigh Liliana Melanie Mackenzie "
         "Hadley Raelynn Kaylee Rose Arianna Isabelle Melody Eliza Lyla Katherine Aubree Adalynn Kylie Faith "
         "Mary Margaret Ximena Iris Alexandra Jasmine Charlie Amaya Taylor Isabel Ashley Khloe Ryleigh Alexa Amara "
         "Valeria Andrea Parker Norah Eden Elliana Brianna Emersyn Valerie Anastasia Eloise Emerson Cecilia Remi "
         "Josie Reese Bailey Lucia Adalyn Molly Ayla Sara Daisy London Jordyn Esther Genevieve Harmony Annabelle "
         "Alyssa Ariel Aliyah Londyn Juliana Morgan Summer Juliette Trinity Callie Sienna Blakely Alaina Tomas "
         "Daniel Samuel David Joseph Carter Owen Wyatt John Jack Luke Jayden Dylan Grayson Levi Isaac Gabriel Julian "
         "Mateo Anthony Jaxon Lincoln Joshua Christopher Andrew Theodore Caleb Ryan Asher Nathan Thomas Leo Isaiah "
         "Charles Josiah Hudson Christian Hunter Connor Eli Ezra Aaron Landon Adrian Jonathan Nolan Jeremiah Easton "
         "Elias Colton Cameron Carson Robert Angel Maverick Nicholas Dominic Jaxson Greyson Adam Ian Austin Santiago "
         "Jordan Cooper Brayden Roman Evan Ezekiel Xavier Jose Jace Jameson Leonardo Bryson Axel Everett Parker "
         "Kayden Miles Sawyer Jason Declan Weston Micah Ayden Wesley Luca Vincent Damian Zachary Silas Gavin Chase "
         "Kai Emmett Harrison Nathaniel Kingston Cole Tyler Bennett Bentley Ryker Tristan Brandon Kevin Luis George "
         "Ashton Rowan Braxton Ryder Gael Ivan Diego Maxwell Max Carlos Kaiden Juan Maddox Justin Waylon Calvin "
         "Giovanni Jonah Abel Jayce Jesus Amir King Beau Camden Alex Jasper Malachi Brody Jude Blake Emmanuel Eric "
         "Brooks Elliot Antonio Abraham Timothy Finn Rhett Elliott Edward August Xander Alan Dean Lorenzo Bryce "
         "Karter Victor Milo Miguel Hayden Graham Grant Zion Tucker Jesse Zayden Joel Richard Patrick Emiliano Avery "
         "Nicolas Brantley Dawson Myles Matteo River Steven Thiago Zane Matias Judah Messiah Jeremy Preston Oscar "
         "Kaleb Alejandro Marcus Mark Peter Maximus Barrett Jax Andres Holden Legend Charlie Knox Kaden Paxton "
         "Kyrie Kyle Griffin Josue Kenneth Beckett Enzo Adriel Arthur Felix Bradley Tobias Chidi Ngozi Wei Li")
_LAST_NAMES = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
        "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
        "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
        "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
        "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers "
        "Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
        "Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard "
        "Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson "
        "Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis "
        "Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons "
        "Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner "
        "Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long "
        "Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper "
        "Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon "
        "Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson "
        "Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost "
        "Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi "
        "Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman "
        "Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Dickinson Todd Barlow "
        "Peters Lucas Knowles Hartley Miah Simmons Morton Alexander Field Morrison Norris Townsend Preston Hancock "
        "Thornton Baldwin Burrows Briggs Storey Pugh Okonkwo Ferreira Rahman Nguyen Kowalski Rossi Garcia Silva")
FIRST, LAST = _FIRST_NAMES.split(), _LAST_NAMES.split()


def _config(folder: Path):
    from intake.config import load_config

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clinic.toml"
    path.write_text(f"""
[clinic]
name = "Bench Clinic"
address = "1 Bench Street"
phone = "+44 20 7946 0000"
timezone = "Europe/London"
[[practitioners]]
id = "ajordan"
name = "Alex Jordan"
[storage]
data_dir = "{folder / 'data'}"
[security]
data_key_file = "{folder / 'keys' / 'data.key'}"
""", encoding="utf-8")
    config = load_config(path)
    from intake.records import create_data_key

    create_data_key(config)
    return config


def _bench_draft_saves(folder: Path, engine) -> list[Result]:
    from intake.records import Store

    config = _config(folder / "drafts")
    record = json.loads((ROOT / "examples" / "clearance.json").read_text(encoding="utf-8"))
    steps = engine.questionnaire.steps
    chunks = [(s.id, {q.id: record["answers"][q.id] for q in s.questions if q.id in record["answers"]})
              for s in steps]
    results = []
    with Store.open(config, engine=engine) as store:
        state = {"n": 0, "intake": store.start_intake(staff="bench", device="bench",
                                                      consultation_date=record["consultation_date"])}

        def save() -> None:
            step_id, answers = chunks[state["n"] % len(chunks)]
            store.save_step(state["intake"], step_id=step_id, answers=answers, next_step=None, staff="bench",
                            device="bench")
            state["n"] += 1

        durations = time_calls(save, repeat=140, warmup=7)
        bare = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
        bare.execute("PRAGMA journal_mode = WAL")
        bare.execute("PRAGMA synchronous = FULL")
        bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB)")
        bare.execute("INSERT INTO t VALUES (1, x'00')")
        def bare_commit() -> None:  # fresh bytes each time: SQLite skips writing an unchanged row
            bare.execute("BEGIN IMMEDIATE")
            bare.execute("UPDATE t SET data = ? WHERE id = 1", (os.urandom(1500),))
            bare.execute("COMMIT")

        baseline = median(time_calls(bare_commit, repeat=140, warmup=7))
        bare.close()
        durations.sort()
        p95 = durations[int(len(durations) * 0.95) - 1]
        value = median(durations)
        results.append(Result("save a draft step (durable, fsync'd)", value, "<= 20 ms", value <= 0.020,
                              "bare SQLite commit, WAL+FULL", baseline, note=f"95th percentile {p95 * 1000:.1f} ms "
                              f"over {len(durations)} saves; includes validation, sealing and the audit entry"))
        start = time.perf_counter()
        report = store.verify_audit()
        verify = time.perf_counter() - start
        results.append(Result(f"audit verify ({report.entries} entries)", verify, "report only", report.ok))
    opens = time_calls(lambda: Store.open(config, engine=engine).close(), repeat=10, warmup=1)
    results.append(Result("open an existing store (key check included)", median(opens), "report only", True))
    return results


_INTAKE_COLUMNS = ("id", "client_id", "status", "consultation_date", "questionnaire_version", "started_at",
                   "updated_at", "started_by", "device", "answers", "record", "submitted_at")


def _build_fixture(store, count: int, seed: int = 1, batch: int = 50_000) -> tuple[list[tuple[str, str]], list]:
    """Bulk-inserts `count` intakes for about 0.7 * count clients, in batches.

    Returns (name, birth) of some clients with a submitted intake, and the plaintext rows
    (prefix, updated_at, intake id) the plaintext baseline indexes.
    """
    from intake.records import Store, clients, search

    rng = random.Random(seed)
    keyring = store.keyring
    start = datetime(2024, 1, 1, tzinfo=UTC)
    people: list[tuple[str, str, str]] = []
    words: dict[str, list[str]] = {}
    plain: list[tuple[str, str, str]] = []
    people_rows: list[tuple] = []
    submitted: set[str] = set()
    sqlite = isinstance(store, Store)
    if sqlite:
        store.conn.execute("PRAGMA cache_size = -1000000")  # 1 GB while building, so the build is not all disk seeks
    with store.write("building the benchmark fixture"):
        for first in range(0, count, batch):
            client_rows, token_rows, intake_rows = [], [], []
            for n in range(first, min(first + batch, count)):
                if people and rng.random() < 0.3:
                    client_id, name, birth = rng.choice(people)  # a returning client
                else:
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                    birth = f"{rng.randint(1940, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                    client_id = f"c-{n:08d}"
                    people.append((client_id, name, birth))
                    client_rows.append((client_id, keyring.seal_json({"full_name": name, "date_of_birth": birth},
                                                                     clients.identity_ad(client_id)),
                                        "2024-01-01T00:00:00Z"))
                    token_rows += [(t, client_id) for t in sorted(search.client_tokens(keyring, name, birth))]
                intake_id = f"b{n:09d}"
                moment = (start + timedelta(minutes=15 * n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                status = rng.choice(("signed", "signed", "signed", "submitted", "deferred", "draft"))
                answers = {"full_name": name, "date_of_birth": birth, "phone": f"+44 7700 {n % 1000000:06d}"}
                record = None if status == "draft" else store.seal_value(intake_id, "record", {"answers": answers})
                if status != "draft":
                    submitted.add(client_id)
                intake_rows.append((intake_id, client_id, status, moment[:10], "2026.11.1", moment, moment, "bench",
                                    "bench", store.seal_value(intake_id, "answers", answers), record,
                                    None if status == "draft" else moment))
                if name not in words:
                    words[name] = sorted({w[:k] for w in search.name_words(name)
                                          for k in range(min(search.MIN_PREFIX, len(w)), len(w) + 1)})
                plain += [(word, moment, intake_id) for word in (*words[name], birth)]
                people_rows.append((intake_id, status, moment[:10], moment, client_id, name, birth))
            # Through the one write path, as intake writes them: each row sealed, each table's digest moved.
            for row in client_rows:
                store.tables.insert("clients", dict(zip(("id", "identity", "created_at"), row, strict=True)))
            for token, owner in token_rows:
                store.tables.insert("search_tokens", {"token": token, "client_id": owner})
            for row in intake_rows:
                store.tables.insert("intakes", dict(zip(_INTAKE_COLUMNS, row, strict=True)))
    if sqlite:
        store.conn.execute("ANALYZE")
        store.conn.execute("PRAGMA cache_size = -2000")  # back to SQLite's default for the timed searches
    else:
        store.backend.conn.execute("ANALYZE")  # (PostgreSQL: the planner's statistics for the new rows)
    sample = [(name, birth) for client_id, name, birth in rng.sample(people, 400) if client_id in submitted][:60]
    return sample, (plain, people_rows)


def _plain_index(rows: tuple[list, list]) -> sqlite3.Connection:
    """The best plain alternative: the same newest-first prefix index over the names in clear (no encryption),
    returning the same list rows (status, dates, client, name, birth) from a plain intakes table."""
    words, intakes = rows
    plain = sqlite3.connect(":memory:")
    plain.execute("CREATE TABLE intakes (id TEXT PRIMARY KEY, status TEXT, consultation_date TEXT, updated_at TEXT,"
                  " client_id TEXT, full_name TEXT, date_of_birth TEXT)")
    plain.executemany("INSERT INTO intakes VALUES (?, ?, ?, ?, ?, ?, ?)", intakes)
    plain.execute("CREATE TABLE words (word TEXT, updated_at TEXT, intake_id TEXT,"
                  " PRIMARY KEY (word, updated_at, intake_id)) WITHOUT ROWID")
    plain.executemany("INSERT OR IGNORE INTO words VALUES (?, ?, ?)", sorted(words))
    return plain


def _plain_search(plain: sqlite3.Connection, text: str, limit: int = 50) -> list:
    """Newest intakes having every word (name beginnings, a birth date), walking the rarest word's index in order."""
    words = list(dict.fromkeys(w if w[:1].isdigit() else w[:12] for w in text.lower().split()))
    if len(words) > 1:
        counts = {w: plain.execute("SELECT count(*) FROM (SELECT 1 FROM words WHERE word = ? LIMIT 2048)",
                                   (w,)).fetchone()[0] for w in words}
        if min(counts.values()) >= 2048:
            counts = {w: plain.execute("SELECT count(*) FROM words WHERE word = ?", (w,)).fetchone()[0]
                      for w in words}
        words.sort(key=counts.get)
    also = " AND EXISTS (SELECT 1 FROM words o WHERE o.word = ? AND o.updated_at = w.updated_at" \
           " AND o.intake_id = w.intake_id)"
    return plain.execute("SELECT i.id, i.status, i.consultation_date, i.updated_at, i.client_id, i.full_name,"
                         f" i.date_of_birth FROM words w CROSS JOIN intakes i ON i.id = w.intake_id WHERE w.word = ?"
                         f"{also * (len(words) - 1)} ORDER BY w.updated_at DESC, w.intake_id DESC LIMIT ?",
                         (*words, limit)).fetchall()


def _size(count: int) -> str:
    return f"{count // 1_000_000}M" if count >= 1_000_000 else f"{count // 1000}k"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _bench_search_size(folder: Path, engine, count: int, *, store=None,
                       engine_name: str = "") -> tuple[list[Result], dict[str, float]]:
    """Search lines at `count` intakes: on a new SQLite store in `folder`, or on the empty `store` given
    (another engine's, named by `engine_name` in each line)."""
    from intake.records import Store

    config = _config(folder / f"search-{count}")
    label_n = f"{engine_name}{_size(count)}"
    with store or Store.open(config, engine=engine) as store:
        start = time.perf_counter()
        sample, plain_rows = _build_fixture(store, count)
        built = time.perf_counter() - start
        size = _store_bytes(store, config)
        gc.collect()  # the fixture's garbage is not left for a collection inside a timed search
        plain = _plain_index(plain_rows)
        del plain_rows
        queries = {
            "first-name prefix (3 letters)": [name[:3] for name, _ in sample],
            "surname": [name.split()[-1] for name, _ in sample],
            "first name + surname": [name for name, _ in sample],
            "date of birth": [birth for _, birth in sample],
            "name + date of birth": [f"{name} {birth}" for name, birth in sample],
        }
        results = [Result(f"build the {label_n}-intake fixture", built, "report only", True,
                          note=f"database {size / 1e6:.0f} MB; not part of any budget")]
        p90s: dict[str, float] = {}
        for label, texts in queries.items():
            counter = {"i": 0}

            cpu: list[float] = []

            def one(texts=texts, counter=counter, cpu=cpu) -> None:
                begin = time.process_time()
                store.search(texts[counter["i"] % len(texts)], limit=50)
                cpu.append(time.process_time() - begin)
                counter["i"] += 1

            found = [len(store.search(t, limit=50).rows) for t in texts[:8]]
            durations = time_calls(one, repeat=2 * len(texts), warmup=3)
            value, p90 = median(durations), _percentile(durations, 0.9)
            cpu_p90 = _percentile(cpu[3:], 0.9)
            p90s[label] = p90
            line = {"i": 0}
            plain_texts = [t.replace("-", " ").replace("'", "") for t in texts]

            def plain_one(texts=plain_texts, counter=line) -> None:
                _plain_search(plain, texts[counter["i"] % len(texts)])
                counter["i"] += 1

            baseline = median(time_calls(plain_one, repeat=2 * len(plain_texts), warmup=3))
            results.append(Result(f"search {label_n}: {label}", value, "p90 <= 20 ms", p90 <= 0.020,
                                  "indexed plaintext prefix search", baseline,
                                  note=f"p90 {p90 * 1000:.1f} ms (CPU p90 {cpu_p90 * 1000:.1f} ms); rows returned "
                                       f"(first 8 queries, limit 50): {found}"))
        plain.close()
        counter = {"i": 0}

        def returning() -> None:
            name, birth = sample[counter["i"] % len(sample)]
            counter["i"] += 1
            assert store.find_returning(name, birth)["full_name"] == name

        value = median(time_calls(returning, repeat=40, warmup=2))
        results.append(Result(f"returning client lookup among {label_n} (name + birth)", value, "<= 50 ms",
                              value <= 0.050))
    for path in sorted(config.data_dir.iterdir()) if config.data_dir.is_dir() else ():
        path.unlink()  # the next, larger store needs the room
    return results, p90s


def _store_bytes(store, config) -> int:
    """The store's size on disk: the SQLite files, or the PostgreSQL database."""
    from intake.records import Store

    if isinstance(store, Store):
        return sum(p.stat().st_size for p in config.data_dir.iterdir() if p.name.startswith("intake.sqlite3"))
    return int(store.backend.conn.execute("SELECT pg_database_size(current_database()) AS n").fetchone()["n"])


def _bench_search(folder: Path, engine) -> list[Result]:
    """Search at 10k and 100k intakes (and 1M with BENCH_MILLION=1), then how p90 grows with the store."""
    sizes = [10_000, 100_000] + ([1_000_000] if os.environ.get("BENCH_MILLION") == "1" else [])
    results, growth = [], {}
    for count in sizes:
        rows, p90s = _bench_search_size(folder, engine, count)
        results += rows
        growth[count] = p90s
    first, last = sizes[0], sizes[-1]
    for label in growth[first]:
        steps = ", ".join(f"{_size(n)} {growth[n][label] * 1000:.1f} ms" for n in sizes)
        results.append(Result(f"p90 growth {_size(first)}->{_size(last)}: {label[:22]}",
                              growth[last][label], "report only", True, "p90 at 10k", growth[first][label],
                              note=steps))
    return results


def collect() -> list[Result]:
    from intake.engine import Engine

    engine = Engine.load()
    saved = os.environ.pop("INTAKE_DATA_KEY", None)
    try:
        with tempfile.TemporaryDirectory(prefix="intake-bench-") as temp:
            folder = Path(temp)
            return _bench_draft_saves(folder, engine) + _bench_search(folder, engine)
    finally:
        if saved is not None:
            os.environ["INTAKE_DATA_KEY"] = saved
