"""A sample of the generated records (one rule of each severity) walked through the wizard to sealed documents."""

from __future__ import annotations

import pytest

from intake.engine import Engine
from intake.tui.screens.documents import DoneScreen
from tests.documents.personas import record, triggering
from tests.tui.conftest import SIZES, build_app
from tests.tui.driver import wait_for
from tests.tui.test_flow import client_part, countersign, verified

ENGINE = Engine.load()
#: The first rule of each severity whose condition does not hang on age (the wizard's day is fixed).
SAMPLE = [next(r.id for r in ENGINE.rules.rules if r.severity == severity and r.severity_setting is None
               and ENGINE.assess(record(ENGINE, triggering(ENGINE, r))).verdict == severity)
          for severity in ("caution", "clearance", "defer")]


@pytest.mark.parametrize("rule_id", SAMPLE)
async def test_a_generated_client_of_each_severity_through_the_wizard(engine, full_walk_engine, rule_id):
    rule = next(r for r in engine.rules.rules if r.id == rule_id)
    if rule.severity == "defer":
        engine = full_walk_engine  # the whole walk to the deferral letter (the kind stop is tested on its own)
    answers = triggering(engine, rule)
    app = build_app(engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, answers, walk=True)  # this sample walks the wizard's steps
        assert rule_id in {f.rule_id for f in app.session.state.assessment.findings}
        if rule.severity == "clearance":
            await countersign(pilot, "clearance_noted", reason="GP letter seen and filed")
        else:
            await countersign(pilot)
        done = await wait_for(pilot, DoneScreen, timeout=60)
        kinds = sorted(p.name.split("_")[1] for p in done.paths)
        assert kinds == (["deferral"] if rule.severity == "defer" else ["aftercare", "consent"])
        for path in done.paths:
            assert (await verified(path, engine)).ok


async def test_a_minor_in_the_wizard_is_asked_for_a_guardian_who_signs(tmp_path, monkeypatch):
    import re
    from datetime import UTC, datetime

    from intake.config import load_config
    from intake.documents import create_seal_identity
    from intake.paths import DEMO_CONFIG
    from intake.records import create_data_key
    from tests.documents.test_minors import GUARDIAN, teen

    monkeypatch.chdir(tmp_path)
    text = re.sub(r'minors = "\w+"', 'minors = "clearance"', DEMO_CONFIG.read_text(encoding="utf-8"))
    text = text.replace("[kiosk]\n", "[kiosk]\ndemo = true\n")  # a copy of the demo: its PIN works only so
    (tmp_path / "clinic.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "clinic.toml")
    create_seal_identity(config, valid_from=datetime(2026, 1, 1, tzinfo=UTC))
    create_data_key(config)
    engine = Engine.load(config)
    answers = teen(engine, age=16)["answers"]
    assert answers["guardian_name"] == GUARDIAN["guardian_name"]
    app = build_app(engine)
    async with app.run_test(size=SIZES["tablet"]) as pilot:
        await client_part(pilot, answers, walk=True)  # this sample walks the wizard's steps
        intake = app.session.state.intake
        assert intake.answers["guardian_name"] == GUARDIAN["guardian_name"]  # the wizard showed and kept it
        assert app.session.state.client_signature.capacity == "guardian"
        await countersign(pilot, "clearance_noted", reason="Mother present, consent given")
        done = await wait_for(pilot, DoneScreen, timeout=60)
        for path in done.paths:
            assert (await verified(path, engine)).ok
