"""Every client text of the data files in German, checked: complete, named when missing, and reading as German."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from intake.cli import main
from intake.config import load_config
from intake.engine import Engine
from intake.errors import IntakeError
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR, TEMPLATES_DIR
from intake.questionnaire import load_questionnaire
from tests.conftest import ROOT

#: The data files whose texts are keyed by language ({"en": ..., "de": ...}) and the fewest texts each holds, so
#: that a walk finding nothing cannot pass.
KEYED = {SCHEMAS_DIR / "questionnaire.json": 187, SCHEMAS_DIR / "rules.json": 109, SCHEMAS_DIR / "rescreen.json": 34,
         SCHEMAS_DIR / "course.json": 6, TEMPLATES_DIR / "statements.json": 7}
#: The data file with one entry per language, each holding every text.
PER_LANGUAGE = TEMPLATES_DIR / "consent_info.json"
#: German texts that may read exactly as their English (names, numbers, units, words the same in both languages).
SAME_IN_BOTH: frozenset[str] = frozenset()
#: Spellings a German text never has: umlauts and ß written out (ae, oe, ue, ss).
WRITTEN_OUT = ("fuer", "ueber", "koennen", "moechten", "muessen", "aerzt", "waehrend", "groess", "schaeden",
               "geaendert", "saeuren", "hoeher", "naechst", "weiss ", "gross", "ausser", "gemaess")


def _texts(value, path="$"):
    """Every object with an English string in a JSON value: a text keyed by language."""
    if isinstance(value, dict):
        if isinstance(value.get("en"), str):
            yield path, value
            return
        for key, inner in value.items():
            yield from _texts(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _texts(inner, f"{path}[{index}]")


def _strings(value, path="$"):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key != "id":  # a section's id, not words
                yield from _strings(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{index}]")


def _pairs():
    """(file, path, English, German) for every client text of every data file."""
    for file in KEYED:
        for path, text in _texts(json.loads(file.read_text(encoding="utf-8"))):
            yield file.name, path, text["en"], text.get("de")
    languages = json.loads(PER_LANGUAGE.read_text(encoding="utf-8"))["languages"]
    german = dict(_strings(languages.get("de", {})))
    for path, english in _strings(languages["en"]):
        yield PER_LANGUAGE.name, f"$.languages.de{path[1:]}", english, german.get(path)


PAIRS = list(_pairs())


def test_every_text_of_every_data_file_has_its_german():
    missing = [f"{file} {path}" for file, path, _, german in PAIRS if not isinstance(german, str) or not german.strip()]
    assert not missing, missing
    for file, least in KEYED.items():
        assert sum(1 for name, *_ in PAIRS if name == file.name) >= least, file
    assert sum(1 for name, *_ in PAIRS if name == PER_LANGUAGE.name) >= 40


def test_no_other_data_file_holds_texts_by_language():
    files = [p for folder in (SCHEMAS_DIR, TEMPLATES_DIR) for p in folder.glob("*.json")
             if not p.name.endswith(".schema.json") and p not in KEYED and p != PER_LANGUAGE]
    assert files  # treatment.json, record formats aside: nothing of them is shown to clients in words
    for file in files:
        assert not list(_texts(json.loads(file.read_text(encoding="utf-8")))), f"{file.name} has texts: list it"


def test_the_german_keeps_every_placeholder_and_reads_as_german():
    for file, path, english, german in PAIRS:
        assert sorted(re.findall(r"\{\w+\}", german)) == sorted(re.findall(r"\{\w+\}", english)), (file, path)
        assert german == english or german.strip() == german, (file, path)
        if english not in SAME_IN_BOTH:
            assert german != english, f"{file} {path}: the German is the English ({english!r})"
        assert not [w for w in WRITTEN_OUT if w in german.casefold()], (file, path, german)
    assert all(any(english == same for _, _, english, _ in PAIRS) for same in SAME_IN_BOTH)


def test_the_german_questionnaire_answers_ja_and_nein():
    questionnaire = load_questionnaire(SCHEMAS_DIR / "questionnaire.json")
    assert "de" in questionnaire.languages
    assert (questionnaire.word("yes", "de"), questionnaire.word("no", "de")) == ("Ja", "Nein")
    pregnant = questionnaire.by_id["pregnant_or_breastfeeding"]
    assert questionnaire.display(pregnant, True, "de") == "Ja"
    assert questionnaire.display(pregnant, False, "de") == "Nein"
    no_options = [q.id for q in questionnaire.questions() if q.options and q.options[0].label["en"] == "No"]
    assert no_options and all(questionnaire.by_id[q].options[0].label["de"] == "Nein" for q in no_options)


# -- the check: a clinic copy offering English and German -------------------------------------------------------

def _clinic(tmp_path, languages='["en", "de"]'):
    schemas, templates = tmp_path / "schemas", tmp_path / "templates"
    shutil.copytree(SCHEMAS_DIR, schemas)
    shutil.copytree(TEMPLATES_DIR, templates)
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace('language = "en"', f'language = "en"\nlanguages = {languages}')
    text = "\n".join(line for line in text.splitlines() if not line.startswith("staff_pin_hash"))
    config = tmp_path / "clinic.toml"
    config.write_text(text + f'\n[paths]\nschemas = "{schemas}"\ntemplates = "{templates}"\n', encoding="utf-8")
    return config, schemas, templates


def _edit(folder, name, change):
    data = json.loads((folder / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


#: One German text taken out of each data file: (folder, file, change, the JSON path named, what is said).
REMOVED = [
    ("schemas", "questionnaire.json", lambda d: d["steps"][3]["questions"][3]["options"][1]["label"].pop("de"),
     "$.steps[3].questions[3].options[1].label", "no 'de' text"),
    ("schemas", "rules.json", lambda d: d["rules"][22]["aftercare"][0]["text"].pop("de"),
     "$.rules[22].aftercare[0].text", "no 'de' text"),
    ("schemas", "rescreen.json", lambda d: d["nothing_changed_since"].pop("de"),
     "$.nothing_changed_since", "no 'de' text"),
    ("schemas", "course.json", lambda d: d["too_soon"].pop("de"), "$.too_soon", "no 'de' text"),
    ("templates", "statements.json", lambda d: d["photo_consent_on_behalf"].update(de=" "),
     "$.photo_consent_on_behalf", "an empty 'de' text"),
    ("templates", "consent_info.json", lambda d: d["languages"]["de"]["information"]["sections"][2]["points"].pop(),
     "$.languages.de.information.sections[2].points[2]", "no 'de' text"),
]


@pytest.mark.parametrize(("folder", "name", "change", "path", "said"), REMOVED, ids=[r[1] for r in REMOVED])
def test_intake_check_names_the_file_and_path_of_a_missing_german_text(tmp_path, capsys, folder, name, change,
                                                                         path, said):
    config, *_ = _clinic(tmp_path)
    _edit(tmp_path / folder, name, change)
    assert main(["--config", str(config), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / folder / name}: 1 problem" in err
    assert f"at {path}: {said}" in err and "fix: " in err, err
    with pytest.raises(IntakeError) as refused:  # nor does the wizard start: the file's loader, or the check
        Engine.load(config)
    assert path in str(refused.value)


def test_intake_check_names_every_missing_text_of_every_file_at_once(tmp_path):
    config, *_ = _clinic(tmp_path)
    for folder, name, change, _, _ in REMOVED:
        _edit(tmp_path / folder, name, change)
    _edit(tmp_path / "schemas", "questionnaire.json", lambda d: d["steps"][0]["title"].pop("de"))
    result = subprocess.run([sys.executable, "-m", "intake", "--config", str(config), "check"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "7 problems in 6 files" in result.stderr
    for folder, name, _, path, said in REMOVED:
        assert f"{tmp_path / folder / name}:" in result.stderr and f"at {path}: {said}" in result.stderr
    assert "at $.steps[0].title: no 'de' text" in result.stderr


def test_a_complete_copy_offering_german_checks_out(tmp_path, capsys):
    config, *_ = _clinic(tmp_path)
    assert main(["--config", str(config), "check"]) == 0
    out = capsys.readouterr().out
    assert "Languages offered to clients: en, de" in out and "Everything checks out." in out


def test_a_language_with_no_texts_at_all_is_refused_by_name(tmp_path, capsys):
    config, *_ = _clinic(tmp_path, '["en", "de", "fr"]')
    assert main(["--config", str(config), "check"]) == 1
    err = capsys.readouterr().err
    for name in ("questionnaire.json", "rules.json", "rescreen.json", "course.json", "statements.json"):
        assert f"{name}: 1 problem\n  - at $: no 'fr' text at all" in err, name
    assert "stop offering 'fr' in [clinic] languages" in err
    assert "at $.languages: no entry for language 'fr'" in err
    with pytest.raises(IntakeError, match="clinic.languages\\[2\\]: the questionnaire has no 'fr' text"):
        Engine.load(load_config(config))
