"""Shared fixtures: one engine for the session, the example records, and helpers to vary them."""

from __future__ import annotations

import copy
import gc
import json
import os
from pathlib import Path
from typing import Any

import pytest

from intake.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


#: The wizard's own settle_memory (tests/tui/test_memory.py calls it); tests use `_settle_memory_in_tests` instead.
REAL_SETTLE_MEMORY = None


def _settle_memory_in_tests(freeze: bool = False) -> None:
    """What the wizard does between clients, less the full garbage collection: in a test process that holds every
    earlier test's apps, one took a fifth of the wizard tests' CPU time and checked nothing. Counted, so a test can
    tell that the wizard asked for it."""
    _settle_memory_in_tests.calls.append(freeze)  # type: ignore[attr-defined]


_settle_memory_in_tests.calls = []  # type: ignore[attr-defined]


def _checked_once(check):
    """`intake.datafile.schema_problems`, remembered per schema and content within a test process: the clinic's
    data files are checked against their meta schemas at every Engine.load, and a test process loads the same
    unchanged demo files dozens of times (at collection and in fixtures). Keyed on the data's repr, so any change
    to a file (a test's broken copy, a string for a date) is checked afresh; the problems are the same values the
    check gives."""
    seen: dict[tuple[str, bool, str], tuple] = {}

    def schema_problems(data, schema_name: str, toml: bool = False):
        key = (schema_name, toml, repr(data))
        if key not in seen:
            seen[key] = tuple(check(data, schema_name, toml))
        return list(seen[key])

    return schema_problems


def _meta_checked_once(validator_class) -> None:
    """`check_schema` of jsonschema's Draft 2020-12 validator, remembered per schema content within a test process:
    every record validator (`intake.validation.RecordValidator`, one per engine and language) checks the generated
    record schema against the meta schema first, about 60 ms of CPU each, and a test process builds hundreds of
    engines from the same questionnaire. Keyed on the schema's repr (and the format checker asked for), so a
    different schema is checked afresh; a schema that fails is not remembered, and fails again as before."""
    check = validator_class.check_schema.__func__
    passed: set[tuple[str, int]] = set()

    def check_schema(cls, schema, *args, **kwargs):
        if cls is not validator_class:
            return check(cls, schema, *args, **kwargs)
        key = (repr(schema), id(args[0]) if args else id(kwargs.get("format_checker")))
        if key not in passed:
            check(cls, schema, *args, **kwargs)
            passed.add(key)
        return None

    validator_class.check_schema = classmethod(check_schema)


def _keys_loaded_once(load):
    """`cryptography`'s `load_pem_private_key`, remembered per key file content within a test process: every new
    renderer loads its clinic's seal key, and loading checks the RSA key whole (about 0.1 s of CPU); the tests' few
    clinics are loaded hundreds of times. Key objects cannot be changed, so one is shared; a file that does not
    load (encrypted, not a key) is not remembered and fails again as before."""
    loaded: dict[tuple, Any] = {}

    def load_pem_private_key(data, password, *args, **kwargs):
        key = (bytes(data), password, args, tuple(sorted(kwargs.items())))
        if key not in loaded:
            loaded[key] = load(data, password, *args, **kwargs)
        return loaded[key]

    return load_pem_private_key


def _compiled_once(make_environment):
    """`intake.documents.templates.template_environment`, its environments sharing one in-memory Jinja2 bytecode
    cache, and the syntax trees `parse` gives, within a test process: every renderer (one per `intake` command run
    in-process, per lifecycle, per test clinic) loads the same unchanged document templates, and parsing and
    compiling them again took about 0.6 s of CPU each time. Jinja2 keys the cache on the template's name and checks
    it against the source's checksum, and trees are kept per source, so a changed or broken template (a test's own)
    is parsed and compiled afresh, and its errors are raised as before."""
    import jinja2

    class MemoryBytecodeCache(jinja2.BytecodeCache):
        """Compiled templates by name, source checksum (Jinja2's) and the filters and tests the environment had."""

        def __init__(self) -> None:
            self.codes: dict[tuple, bytes] = {}

        @staticmethod
        def _key(bucket: jinja2.bccache.Bucket) -> tuple:
            return bucket.key, frozenset(bucket.environment.filters), frozenset(bucket.environment.tests)

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if self._key(bucket) in self.codes:
                bucket.bytecode_from_string(self.codes[self._key(bucket)])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.codes[self._key(bucket)] = bucket.bytecode_to_string()

    cache = MemoryBytecodeCache()
    trees: dict[tuple, Any] = {}

    def template_environment(sources):
        environment = make_environment(sources)
        environment.bytecode_cache = cache
        parse = environment.parse

        def parse_once(source, name=None, filename=None):
            """The template's syntax tree, parsed once per source (and the filters and tests it may name): intake
            parses each template only to find the templates it includes (`TemplateSet.files_for`, reading the
            tree), and every renderer did so again, nearly all of the 0.16 s of CPU a new renderer took."""
            key = (source, name, filename, frozenset(environment.filters), frozenset(environment.tests))
            if key not in trees:
                trees[key] = parse(source, name, filename)
            return trees[key]

        environment.parse = parse_once
        return environment

    return template_environment


def pytest_configure(config):
    """In-process wizards settle memory without a full collection (above); the subprocesses (`intake start` under
    tmux, `intake serve` for the browser tests) keep the real one. Data files are checked once per content,
    document templates compiled once per source, schemas checked against the meta schema once per content, and seal
    keys loaded once per file content."""
    global REAL_SETTLE_MEMORY
    import intake.config
    import intake.course.rescreen
    import intake.datafile
    import intake.tui.app as wizard

    REAL_SETTLE_MEMORY = wizard.settle_memory
    wizard.settle_memory = _settle_memory_in_tests
    checked = _checked_once(intake.datafile.schema_problems)
    for module in (intake.datafile, intake.config, intake.course.rescreen):
        module.schema_problems = checked
    import intake.documents.templates as templates

    templates.template_environment = _compiled_once(templates.template_environment)
    from jsonschema import Draft202012Validator

    _meta_checked_once(Draft202012Validator)
    from cryptography.hazmat.primitives import serialization

    serialization.load_pem_private_key = _keys_loaded_once(serialization.load_pem_private_key)


def pytest_collection_finish(session):
    """Everything alive once the tests are collected (modules, engines built for parametrization, Textual) is
    moved out of the garbage collector's sight, and the collector runs less often, as the wizard does after
    loading: full collections had scanned the whole test process again and again."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _shares(total: int, workers: int) -> list[int]:
    """How pytest-xdist's work stealing first hands out `total` tests: each worker in turn takes an equal share of
    what is left."""
    shares = []
    for left in range(workers, 0, -1):
        shares.append(total // left)
        total -= shares[-1]
    return shares


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Slow tests (marked `slow`, and the browser walks) start first on every worker: each worker's first share
    of the tests begins with some of them, so none is left to start near the end and keep one worker busy alone.
    A module's slow tests stay together (module fixtures made once); every other test keeps its order."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    modules: dict[str, list] = {}
    for item in items:
        if item.get_closest_marker("slow") or item.get_closest_marker("browser"):
            modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    if not modules:
        return
    ahead: list[list] = [[] for _ in range(workers)]
    for tests in sorted(modules.values(), key=len, reverse=True):  # each to the worker with the fewest so far
        min(ahead, key=len).extend(tests)
    taken = {id(t) for share in ahead for t in share}
    rest = [t for t in items if id(t) not in taken]
    ordered: list = []
    for share, size in zip(ahead, _shares(len(items), workers), strict=True):
        fill = max(0, size - len(share))
        ordered += share + rest[:fill]
        rest = rest[fill:]
    items[:] = ordered + rest


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def suitable() -> dict:
    """A fresh copy of the suitable example record."""
    return copy.deepcopy(load_example("suitable"))


def with_answers(record: dict, **changes) -> dict:
    """A copy of a record with some answers changed (None removes an answer)."""
    result = copy.deepcopy(record)
    for key, value in changes.items():
        if value is None:
            result["answers"].pop(key, None)
        else:
            result["answers"][key] = value
    return result


#: A practitioner's own PIN in the tests' clinics (staff accounts made by `add_staff`), and a front-desk one.
PRACTITIONER_PIN, FRONT_DESK_PIN = "731904", "586240"


@pytest.fixture(autouse=True)
def _quick_pin_hashing(request, monkeypatch):
    """Staff PINs are hashed with a small scrypt cost in tests (tests marked real_cost keep the real one).

    Commands run as subprocesses keep the real cost: there a PIN check takes its real quarter second.
    """
    if "real_cost" not in request.keywords:
        from intake.records import staff as staff_module

        monkeypatch.setattr(staff_module, "SCRYPT_N", 2 ** 10)


def add_staff(store, *, practitioners=("ajordan",), front_desk: str | None = "frontdesk") -> dict[str, str]:
    """Gives a test clinic staff accounts as a clinic would on its first day: one per practitioner, own PINs.

    Returns:
        The PIN of each account by staff id (practitioner accounts share the practitioner's id).
    """
    from intake.records.staff import StaffDirectory

    directory, pins = StaffDirectory(store), {}
    for number, practitioner_id in enumerate(practitioners):
        pin = PRACTITIONER_PIN if number == 0 else f"{int(PRACTITIONER_PIN) + 7919 * number:06d}"
        person = store.config.practitioner(practitioner_id)
        directory.add(practitioner_id, name=person.name, role="practitioner", pin=pin, practitioner_id=practitioner_id,
                      by="owner", device="office")
        pins[practitioner_id] = pin
    if front_desk:
        directory.add(front_desk, name="Front Desk", role="front_desk", pin=FRONT_DESK_PIN, by="owner",
                      device="office")
        pins[front_desk] = FRONT_DESK_PIN
    return pins


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (`INTAKE_NO_SKIPS=1`, set by .ci/run) a skipped test fails: a missing tool must be installed, not
    silently leave its tests out."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("INTAKE_NO_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, where nothing may be skipped: {reason}"

