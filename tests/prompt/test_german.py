"""A German intake at `intake ask`'s plain prompts (#26): the client chooses Deutsch (or staff pass --language de),
answers with the German keys (J/N) read off the screen, and everything the client reads follows the language;
the record keeps "de"; the practitioner's part stays in the clinic's language (English). A language the clinic
does not offer is refused plainly, before anything starts.

The clinic copy's German data texts are the data's own where it has them, else generated ("DE: " and the English,
tests/german_clinic.py); the assertions read them from the data. The prompts' own words are the real German
catalogue's.
"""

from __future__ import annotations

import sys

import pytest

from intake.cli import main
from intake.engine import Engine
from intake.errors import IntakeError
from intake.lifecycle import Actor, Lifecycle
from intake.prompt.flow import AskSession
from intake.questionnaire import localize
from intake.records import Store, create_data_key
from tests.conftest import load_example
from tests.german_clinic import english_only, german_clinic
from tests.prompt.conftest import Clock
from tests.prompt.fake import KeyboardPrompter, Reader, key_of
from tests.records.conftest import step_answers
from tests.tui.fakes import FakeRenderer

DEMO_PIN = "2468"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    config = german_clinic(tmp_path_factory.mktemp("german-ask"))
    create_data_key(config)
    return config, Engine.load(config)


def person(engine, answers, language):
    """A client who reads the screen in `language` and answers by the keys shown; then the practitioner (English)."""
    reader = Reader(engine.questionnaire, answers, "DMY", language=language)
    staff = {
        "language": key_of("Deutsch"),
        "prefill": key_of("Nein"),  # (a later test's client is a returning one: the earlier answers not offered)
        "review": key_of("Ja, sie sind richtig und vollständig"),
        "information": key_of("Ja"),
        "signature": lambda written: answers["full_name"],
        "photo_signature": lambda written: answers["full_name"],
        "staff_pin": lambda written: DEMO_PIN,
        "practitioner": key_of("Alex Jordan (Aesthetic practitioner)"),
        "practitioner_action": key_of("Stop here (everything is saved)"),
    }

    def answer(key: str, written: list[str]) -> str:
        return staff[key](written) if key in staff else reader(key, written)

    return answer


def ask(clinic, tmp_path, language=None, example="suitable"):
    config, engine = clinic
    answers = load_example(example)["answers"]
    prompter = KeyboardPrompter([], columns=100, rows=400, person=person(engine, answers, "de"))
    store = Store.open(config, engine=engine)
    session = AskSession(engine, prompter, store, FakeRenderer(engine), staff="reception", device="phone",
                         out_dir=tmp_path, clock=Clock(), language=language)
    assert session.run() == []  # the practitioner stops before the documents
    record = store.load_intake(session.intake_id).record
    store.close()
    return prompter, record


def test_a_german_intake_at_plain_prompts(clinic, tmp_path):
    prompter, record = ask(clinic, tmp_path)
    screen = "\n".join(prompter.written)
    assert record["language"] == "de"
    assert "In welcher Sprache möchten Sie antworten?" in screen  # asked in each offered language
    assert "e) English   d) Deutsch" in screen and prompter.typed_at("language") == ["d"]
    client, practitioner = screen.split("? Your answer (a key, then Enter): d", 1)[1].split("Staff only from here.", 1)
    questionnaire = clinic[1].questionnaire
    about_you = {language: localize(questionnaire.steps[0].title, language) for language in ("en", "de")}
    assert f"Schritt 1 von {len(questionnaire.steps)}: {about_you['de']}" in client
    assert "j) Ja   n) Nein" in client  # the German keys, typed and accepted
    assert "? Ihre Antwort (eine Taste, dann die Eingabetaste): j" in client
    assert "Bitte prüfen Sie Ihre Antworten:" in client and "Gute Nachricht" in client
    assert "I agree to the consent [b]as printed[/b]. (de)" in client  # the statement signed, in German
    assert "Step 1 of" not in client and "? Your answer" not in client and "Type the key" not in client
    english = [message for message, pattern in english_only() if pattern.search(client)]
    assert not english, f"the client read these in English: {english}"
    assert "Practitioner: what now?" in practitioner and f"  {about_you['en']}\n" in practitioner
    assert f"  {about_you['de']}\n" not in practitioner


def test_language_given_by_staff_and_one_not_offered_refused(clinic, tmp_path, monkeypatch, capsys):
    prompter, record = ask(clinic, tmp_path, language="de", example="caution")
    assert record["language"] == "de" and prompter.typed_at("language") == []
    screen = "\n".join(prompter.written)
    client, practitioner = screen.split("Staff only from here.", 1)
    engine = clinic[1]
    findings = {language: engine.assessor_in(language).assess(record).findings for language in ("en", "de")}
    german, english = findings["de"][0], findings["en"][0]
    assert german.client_message != english.client_message
    client, practitioner = (" ".join(part.split()) for part in (client, practitioner))  # lines wrapped at 100
    assert f"- {german.client_message}" in client and english.client_message not in client  # told in German
    assert f"[caution] {english.practitioner_message}" in practitioner  # the practitioner reads English
    assert german.practitioner_message not in practitioner
    config, engine = clinic
    with Store.open(config, engine=engine) as store:  # a returning client starts in the language they used last
        found = Lifecycle(engine, store).returning(record["answers"]["full_name"], record["answers"]["date_of_birth"],
                                                   Actor("reception", "phone"))
    assert found is not None and found[1] == "de"
    with pytest.raises(IntakeError, match="does not offer the language 'fr'"):
        AskSession(engine, KeyboardPrompter([]), None, FakeRenderer(engine), staff="reception", device="phone",
                   out_dir=tmp_path, language="fr")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(["--config", str(config.source), "ask", "--language", "fr"]) == 1
    assert "This clinic does not offer the language 'fr': choose one of en, de." in capsys.readouterr().err


def test_a_german_draft_resumed_at_plain_prompts_continues_in_german_or_in_the_language_staff_give(clinic, tmp_path):
    """A draft the client began in German (at the kiosk, say) continues in German at `intake ask --resume`; staff
    giving another language there change the draft's for good (whoever resumes it next)."""
    config, engine = clinic
    record = load_example("suitable")
    first, second = engine.questionnaire.steps[:2]
    with Store.open(config, engine=engine) as store:
        intake_id = store.start_intake(staff="kiosk", device="front-desk",
                                       consultation_date=record["consultation_date"], languages={"language": "de"})
        store.save_step(intake_id, step_id=first.id, answers=step_answers(engine, record, first.id),
                        next_step=second.id, staff="kiosk", device="front-desk")
    for given, expected in ((None, "de"), ("en", "en")):
        with Store.open(config, engine=engine) as store:
            reader = Reader(engine.questionnaire, record["answers"], "DMY", language=expected)

            def client(key: str, written: list[str], reader=reader, expected=expected) -> str:
                if key == second.questions[0].id:
                    raise KeyboardInterrupt  # the client stops at the second step's first question (Ctrl-C)
                return key_of({"de": "Nein", "en": "No"}[expected])(written) if key == "prefill" else \
                    reader(key, written)

            prompter = KeyboardPrompter([], columns=100, rows=400, person=client)
            session = AskSession(engine, prompter, store, FakeRenderer(engine), staff="reception", device="phone",
                                 out_dir=tmp_path, clock=Clock(), language=given)
            with pytest.raises(KeyboardInterrupt):
                session.run(intake_id)
            assert store.load_intake(intake_id).languages == {"language": expected}
        screen = "\n".join(prompter.written)
        step_two = {"de": "Schritt 2 von", "en": "Step 2 of"}
        assert step_two[expected] in screen and step_two["en" if expected == "de" else "de"] not in screen
