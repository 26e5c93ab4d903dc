"""`intake ask --documents-language ur`: the client answers in English, their documents are to be in Urdu (#26)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.cli import main
from intake.engine import Engine
from intake.errors import IntakeError
from intake.prompt.flow import AskSession
from intake.records import Store
from tests.prompt.conftest import Clock
from tests.prompt.fake import FakePrompter
from tests.prompt.test_flow import script
from tests.tui.fakes import FakeRenderer


def with_urdu_documents(config):
    """The clinic offering Urdu for the documents alone ([clinic] documents_only = ["ur"])."""
    return replace(config, data={**config.data, "clinic": {**config.clinic, "documents_only": ["ur"]}})


def test_the_documents_language_is_recorded_and_shown_to_the_practitioner(clinic_config, tmp_path):
    config = with_urdu_documents(clinic_config)
    engine = Engine.load(config)
    prompter = FakePrompter(script(engine, "suitable", practitioner_action="stop"))
    with Store.open(config, engine=engine) as store:
        ask = AskSession(engine, prompter, store, FakeRenderer(engine), staff="reception", device="phone",
                         out_dir=tmp_path, clock=Clock(), documents_language="ur")
        assert ask.run() == []  # the practitioner stops before the documents
        record = store.load_intake(ask.intake_id).record
    assert record["language"] == "en" and record["documents_language"] == "ur"
    said = "\n".join(prompter.said)
    assert "Documents will be in Urdu." in said.split("Staff only from here.", 1)[1]  # the practitioner's part
    assert "Documents will be in" not in said.split("Staff only from here.", 1)[0]


def test_a_documents_language_the_clinic_does_not_offer_is_refused_plainly(clinic_config, tmp_path, capsys,
                                                                          monkeypatch):
    engine = Engine.load(clinic_config)
    with pytest.raises(IntakeError, match="does not offer documents in 'ur': choose one of en"):
        AskSession(engine, FakePrompter({}), None, None, staff="x", device="y", out_dir=tmp_path,
                   documents_language="ur")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main(["--config", str(clinic_config.source), "ask", "--documents-language", "ur"]) == 1
    err = capsys.readouterr().err
    assert "does not offer documents in 'ur'" in err and "Traceback" not in err


def test_a_draft_keeps_the_documents_language_until_it_is_changed(clinic_config):
    from intake.lifecycle import Lifecycle
    from intake.lifecycle.model import Actor

    config = with_urdu_documents(clinic_config)
    engine = Engine.load(config)
    desk = Actor("reception", "phone")
    with Store.open(config, engine=engine) as store:
        life = Lifecycle(engine, store, FakeRenderer(engine))
        begun = life.begin(desk, documents_language="ur")
        resumed, _ = life.load(begun.intake_id)  # whoever resumes the draft: its documents are still in Urdu
        assert (resumed.language, resumed.documents_language) == ("en", "ur")
        assert life.documents_language(resumed) == "ur"
        life.choose_documents_language(resumed, None, desk)  # back to the screens' language, kept
        again, _ = life.load(begun.intake_id)
        assert again.documents_language == "" and life.documents_language(again) == "en"
        assert life.load(life.begin(desk).intake_id)[0].documents_language == ""
