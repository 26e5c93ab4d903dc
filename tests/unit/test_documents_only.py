"""A language for the documents alone ([clinic] documents_only, #26 item 6): configuration, completeness, choice."""

import json
import shutil

import pytest

from intake.cli import main
from intake.config import load_config
from intake.engine import Engine
from intake.errors import DataFileError, IntakeError
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR, TEMPLATES_DIR
from intake.textcheck import DOCUMENT_TEXTS, printed_in_documents, texts_in


def _config(tmp_path, clinic_lines: str, *, copies: bool = False):
    """The demo clinic with lines added under [clinic]; with `copies`, its own copies of schemas/ and templates/."""
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace('language = "en"', f'language = "en"\n{clinic_lines}', 1)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("staff_pin_hash"))
    if copies:
        shutil.copytree(SCHEMAS_DIR, tmp_path / "schemas")
        shutil.copytree(TEMPLATES_DIR, tmp_path / "templates")
        text += f'\n[paths]\nschemas = "{tmp_path / "schemas"}"\ntemplates = "{tmp_path / "templates"}"\n'
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("lines", "expected"), [
    ('languages = ["en", "de"]\ndocuments_only = ["de"]',
     ["clinic.documents_only[0]", "'de' is also a screen language", "keep 'de' in one of the two lists"]),
    ('documents_only = ["en"]', ["clinic.documents_only[0]", "'en' is also a screen language"]),
    ('documents_only = ["xx"]', ["clinic.documents_only[0]", "'xx' is not a known language", "such as 'ur'"]),
    ('documents_only = ["Urdu"]', ["clinic.documents_only[0]", "not in the expected form"]),
    ('documents_only = ["ur", "ur"]', ["clinic.documents_only", "lists the same value twice"]),
])
def test_documents_only_mistakes_are_named_with_their_key_and_fix(tmp_path, lines, expected):
    with pytest.raises(DataFileError) as info:
        load_config(_config(tmp_path, lines))
    for part in expected:
        assert part in str(info.value), str(info.value)
    assert str(tmp_path) in str(info.value)


def test_urdu_for_the_documents_alone_checks_out_and_is_offered_for_documents_only(tmp_path, capsys):
    engine = Engine.load(_config(tmp_path, 'documents_only = ["ur"]'))
    assert engine.config.languages == ("en",) and engine.config.document_languages == ("en", "ur")
    assert engine.offered_documents_language("ur") == "ur" and engine.offered_documents_language(None) is None
    with pytest.raises(IntakeError, match="does not offer the language 'ur'"):
        engine.offered_language("ur")  # never a screen language
    with pytest.raises(IntakeError, match="does not offer documents in 'ar': choose one of en, ur"):
        engine.offered_documents_language("ar")
    record = engine.new_record("2026-11-20", {}, documents_language="ur")
    assert record["language"] == "en" and engine.documents_language(record) == "ur"
    assert "documents_language" not in engine.new_record("2026-11-20", {}, documents_language="en")
    assert main(["--config", str(tmp_path / "clinic.toml"), "check"]) == 0
    out = capsys.readouterr().out
    assert "Languages for the documents alone: ur" in out and "Documents: texts in en, ur" in out


def test_the_texts_the_documents_print_are_defined_once_and_all_in_urdu():
    printed = {name: [path for path, text in texts_in(json.loads(folder.joinpath(name).read_text(encoding="utf-8")))
                      if printed_in_documents(name, path)]
               for name, folder in (("questionnaire.json", SCHEMAS_DIR), ("rules.json", SCHEMAS_DIR),
                                    ("rescreen.json", SCHEMAS_DIR), ("statements.json", TEMPLATES_DIR))}
    assert set(printed) == set(DOCUMENT_TEXTS)
    assert len(printed["questionnaire.json"]) > 140 and len(printed["rules.json"]) > 100
    assert printed_in_documents("questionnaire.json", "$.steps[1].questions[0].label")
    assert not printed_in_documents("questionnaire.json", "$.steps[1].questions[0].help")  # shown on screen only


#: One Urdu text the documents print, taken out of a data file, and a text they do not print (no Urdu needed).
def _without_urdu(data):
    data["rules"][22]["aftercare"][0]["text"].pop("ur")


def test_intake_check_names_a_missing_urdu_text_among_those_the_documents_print(tmp_path, capsys):
    config = _config(tmp_path, 'documents_only = ["ur"]', copies=True)
    rules = tmp_path / "schemas" / "rules.json"
    data = json.loads(rules.read_text(encoding="utf-8"))
    _without_urdu(data)
    rules.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue = tmp_path / "templates" / "locale" / "ur" / "LC_MESSAGES" / "documents.po"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(
        'msgstr "کب ہمیں فون کریں"', 'msgstr ""'), encoding="utf-8")
    assert main(["--config", str(config), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{rules}: 1 problem" in err and "at $.rules[22].aftercare[0].text: no 'ur' text" in err, err
    assert "write the 'ur' text beside 'en' here" in err
    with pytest.raises(IntakeError):  # nor does the wizard start
        Engine.load(config)
    rules.write_text(json.dumps(json.loads(SCHEMAS_DIR.joinpath("rules.json").read_text(encoding="utf-8")),
                                ensure_ascii=False), encoding="utf-8")
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert "document text(s) missing or wrong in 'ur'" in out and "no 'ur' text: 'When to call us'" in out
