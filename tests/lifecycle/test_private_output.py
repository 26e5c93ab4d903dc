"""Crash leftovers and private output: a `.partial-*.pdf` that a killed countersign left in the documents folder is
removed by the next start and by a re-run, and every folder a run creates is 0700 and every file 0600 (found by
walking the run's output, under the permissive umask 000 so nothing relies on the user's)."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys

import pytest

from intake.cli import main
from tests.conftest import PRACTITIONER_PIN
from tests.lifecycle.test_cli import AT, as_staff, imported, rule_record, write


def loose(root) -> list[str]:
    """Every folder under root that is not 0700 and every file that is not 0600."""
    found = []
    for folder, folders, files in os.walk(root):
        for name in folders:
            mode = stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
            if mode != 0o700:
                found.append(f"{os.path.join(folder, name)} {mode:o}")
        for name in files:
            mode = stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
            if mode != 0o600:
                found.append(f"{os.path.join(folder, name)} {mode:o}")
    return found


@pytest.fixture
def staffed(desk, monkeypatch):
    """The desk's clinic with its practitioner's own account."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(PRACTITIONER_PIN + "\n"))
    assert main(["staff", "add", "ajordan", "--name", "Alex Jordan", "--role", "practitioner", "--practitioner",
                 "ajordan", "--pin-stdin"]) == 0
    return desk


@pytest.fixture
def permissive():
    old = os.umask(0)
    yield
    os.umask(old)


def test_every_folder_and_file_of_a_run_is_private(permissive, staffed, capsys, monkeypatch, tmp_path_factory):
    desk = staffed
    monkeypatch.setenv("XDG_STATE_HOME", str(desk / "state"))
    answers = tmp_path_factory.mktemp("incoming")  # the sender's file: not intake's
    assert main(["records", "import", write(answers, "c.json", rule_record("caution"))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake, "--practitioner", "ajordan",
                    "--signed-at", AT) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "reprint", intake, "--out",
                    str(desk / "again" / "deeper")) == 0
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "export", "--format", "bundle", "--out",
                    str(desk / "exports" / "bundle")) == 0
    found = loose(desk)
    assert found == [], "\n".join(found)


KILLED_AT_LINK = """
import os, signal, sys
from intake.cli import main
real_link = os.link


def link(source, target, *args, **kwargs):  # killed once the first PDF is fully written, before it takes its name
    if os.path.basename(str(source)).startswith(".partial-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_link(source, target, *args, **kwargs)


os.link = link
sys.exit(main(sys.argv[1:]))
"""


def killed_countersign(desk, intake: str) -> None:
    """`intake records countersign` killed after the first document's partial file was written, before it took
    its name: what a power cut or kill -9 leaves."""
    done = subprocess.run([sys.executable, "-c", KILLED_AT_LINK, "records", "countersign", intake, "--practitioner",
                           "ajordan", "--signed-at", AT, "--pin-stdin"], input=PRACTITIONER_PIN + "\n", text=True,
                          capture_output=True, cwd=desk, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr


def signed_intake(desk, capsys, tmp_path_factory) -> str:
    answers = tmp_path_factory.mktemp("incoming")
    assert main(["records", "import", write(answers, "c.json", rule_record("caution"))]) == 0
    (intake,) = imported(capsys)
    assert main(["records", "sign", intake, "--typed-name", "JO  BLOGGS", "--signed-at", "2026-11-20T14:32"]) == 0
    return intake


def partials(desk) -> list:
    return sorted((desk / "intake-documents").rglob(".partial-*.pdf"))


def test_a_killed_countersign_leaves_a_partial_that_the_next_start_removes(staffed, capsys, tmp_path_factory):
    from intake.engine import Engine
    from intake.lifecycle import Lifecycle
    from intake.records import Store

    desk = staffed
    intake = signed_intake(desk, capsys, tmp_path_factory)
    killed_countersign(desk, intake)
    (left,) = partials(desk)
    assert left.parent.name == intake and stat.S_IMODE(left.stat().st_mode) == 0o600
    engine = Engine.load()
    store = Store.open(engine.config, engine=engine)
    try:
        life = Lifecycle(engine, store)
    finally:
        store.close()
    assert [path.resolve() for path in life.swept] == [left.resolve()] and partials(desk) == []


def test_a_rerun_completes_the_documents_and_removes_the_partial(staffed, capsys, monkeypatch, tmp_path_factory):
    from intake.documents.model import sweep_partials

    desk = staffed
    intake = signed_intake(desk, capsys, tmp_path_factory)
    killed_countersign(desk, intake)
    (left,) = partials(desk)
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "countersign", intake) == 1  # its documents are stored
    assert "records reprint" in capsys.readouterr().err
    assert as_staff(monkeypatch, PRACTITIONER_PIN, "records", "reprint", intake, "--out",
                    str(desk / "intake-documents" / intake)) == 0
    assert partials(desk) == []
    pdfs = sorted(str(p) for p in (desk / "intake-documents" / intake).glob("*.pdf"))
    assert len(pdfs) == 2 and main(["verify", *pdfs]) == 0
    # a partial whose writer is alive (this process) is its writer's: left alone
    mine = left.with_name(f".partial-{os.getpid()}-abc.pdf")
    mine.write_bytes(b"%PDF-")
    assert sweep_partials(mine.parent) == [] and mine.exists()
