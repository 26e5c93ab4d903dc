"""Malformed questionnaire, rules, treatment and config files give errors naming file, path and fix."""

import copy
import json
import shutil
import subprocess
import sys

import pytest

from intake.config import load_config
from intake.engine import Engine
from intake.errors import DataFileError
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR


@pytest.fixture
def clinic(tmp_path):
    """A writable copy of schemas/ and a config pointing at it."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    config = tmp_path / "clinic.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8") + f'\n[paths]\nschemas = "{schemas}"\n',
                      encoding="utf-8")

    class Clinic:
        def edit(self, name, change):
            path = schemas / name
            data = json.loads(path.read_text(encoding="utf-8"))
            change(data)
            path.write_text(json.dumps(data), encoding="utf-8")

        def error(self) -> str:
            with pytest.raises(DataFileError) as info:
                Engine.load(config)
            return str(info.value)

    Clinic.config, Clinic.schemas = config, schemas
    return Clinic()


def test_a_clinic_copy_loads(clinic):
    assert Engine.load(clinic.config).questionnaire.version


def test_added_question_flows_into_validation(clinic):
    def add(data):
        data["steps"][1]["questions"].append({
            "id": "favourite_serum", "type": "text", "max_length": 50, "required": True,
            "label": {"en": "Favourite serum", "de": "Lieblingsserum"}})
    clinic.edit("questionnaire.json", add)
    engine = Engine.load(clinic.config)
    record = json.loads((SCHEMAS_DIR.parent / "examples" / "suitable.json").read_text())
    assert [p.field for p in engine.validate(record)] == ["favourite_serum"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["steps"][0]["questions"][0].update(type="essay"),
     ["questionnaire.json", "$.steps[0].questions[0].type", "'essay' is not allowed", "use one of"]),
    (lambda d: d["steps"][0]["questions"][0].update(lable={"en": "x"}),
     ["$.steps[0].questions[0]", "unknown key 'lable'", "did you mean 'label'?"]),
    (lambda d: d["steps"][0]["questions"][0].pop("required"),
     ["$.steps[0].questions[0]", "missing 'required'", "add 'required'"]),
    (lambda d: d["steps"][0]["questions"][10]["show_if"].update(question="ack_electronic"),
     ["$.steps[0].questions[10].show_if.question", "not asked earlier"]),
    (lambda d: d["steps"][3]["questions"][4]["show_if"].update(equals=True),
     ["$.steps[3].questions[4].show_if.equals", "True is not an option of 'blood_thinner_type'"]),
    (lambda d: d["steps"][1]["questions"].append(copy.deepcopy(d["steps"][0]["questions"][0])),
     ["question id 'full_name' is used twice"]),
    (lambda d: d.update(languages=["en", "de", "fr"]),
     ["no text for language fr", "add 'fr'"]),
    (lambda d: d["steps"][0]["questions"][7]["help_by_minors_policy"].update(allow={"fr": "Vous signez."}),
     ["$.steps[0].questions[7].help_by_minors_policy.allow", "no text for language en"]),
    (lambda d: d["steps"][0]["questions"][7]["help_by_minors_policy"].update(sometimes={"en": "x"}),
     ["help_by_minors_policy", "sometimes"]),
    (lambda d: d["steps"][0]["questions"][7]["show_if"]["all"][1].update(minors_policy=["never"]),
     ["minors_policy", "never"]),
    (lambda d: d["steps"][0]["questions"].pop(0),
     ["needs an always-shown, required text question 'full_name'"]),
])
def test_questionnaire_mistakes(clinic, change, expected):
    clinic.edit("questionnaire.json", change)
    message = clinic.error()
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["rules"][3]["when"].update(question="skin_infections"),
     ["rules.json", "$.rules[3].when", "no question 'skin_infections'", "did you mean 'skin_infection'?"]),
    (lambda d: d["rules"][3].update(severity="maybe"), ["'maybe' is not allowed"]),
    (lambda d: d["rules"][3]["client_message"].update(en="Wait until {untill}."),
     ["unknown placeholder {untill}"]),
    (lambda d: d["windows"]["toxin_weeks"].update(default=9), ["default 9 is outside 1–4"]),
    (lambda d: d["rules"].append(copy.deepcopy(d["rules"][3])), ["rule id 'skin_infection' is used twice"]),
    (lambda d: next(r for r in d["rules"] if r["id"] == "darker_skin")["aftercare"][0].pop("checklist"),
     [".aftercare[0].checklist", "everyone gets a checklist line on 'sun'", "add the 'checklist' line"]),
    (lambda d: next(r for r in d["rules"] if r["id"] == "darker_skin")["aftercare"][0].pop("topic"),
     [".aftercare[0]", "missing 'topic'"]),
    (lambda d: next(r for r in d["rules"] if r["id"] == "sensitive_skin").update(needs="review"),
     ["needs", "a caution finding needs nothing to be settled"]),
])
def test_rules_mistakes(clinic, change, expected):
    clinic.edit("rules.json", change)
    message = clinic.error()
    for part in expected:
        assert part in message, message


def test_treatment_must_cover_every_area(clinic):
    clinic.edit("treatment.json", lambda d: d["areas"].pop("neck"))
    assert "no needle depths for area 'neck'" in clinic.error()


def test_broken_json_in_a_data_file(clinic):
    (clinic.schemas / "rules.json").write_text('{"version": ', encoding="utf-8")
    assert "not valid JSON at line 1" in clinic.error()


def write_config(tmp_path, text):
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('phone = "+44 20 7946 0000"', 'phone = "call us"', ["clinic.phone", "not in the expected form"]),
    ('timezone = "Europe/London"', 'timezone = "Mars/Olympus"', ["clinic.timezone", "unknown time zone"]),
    ('minors = "defer"', 'minors = "sometimes"', ["policy.minors", "use one of"]),
    ("legal_age = 18 ", "legal_age = 13 ", ["policy.legal_age", "13"]),
    ("legal_age = 18 ", "legal_age = 22 ", ["policy.legal_age", "22"]),
    ("legal_age = 18 ", "legal_age = 19 ", ["policy.legal_age", "the legal age of consent (19) is above adult_age "
                                            "(18)", "set adult_age to 19 or more, or set legal_age"]),
    ("legal_age = 18 ", "", ["policy.adult_age", "the legal age of consent (18) is above adult_age (17)",
                             "set adult_age to 18 or more"]),  # with adult_age 17 (below)
    ("[storage]", "[storage]\ndata_folder = 'x'", ["storage", "unknown key 'data_folder'"]),
    ('name = "Demo Skin Clinic"', "name = Demo", ["(syntax)", "fix the TOML syntax"]),
    ('id = "spatel"', 'id = "ajordan"', ["practitioners[1].id", "used twice"]),
    ('language = "en"', 'language = "en"\nlanguages = ["en", "en"]',
     ["clinic.languages", "lists the same value twice"]),
    ('language = "en"', 'language = "en"\nlanguages = ["English"]',
     ["clinic.languages[0]", "not in the expected form"]),
])
def test_config_mistakes(tmp_path, old, new, expected):
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    if "adult_age (17)" in expected[1]:
        text = text.replace("adult_age = 18 ", "adult_age = 17 ")
    with pytest.raises(DataFileError) as info:
        load_config(write_config(tmp_path, text))
    for part in expected:
        assert part in str(info.value), str(info.value)
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("toxin_weeks = 2", "toxin_wekes = 2", ["windows.toxin_wekes", "did you mean 'toxin_weeks'?"]),
    ("toxin_weeks = 2", "toxin_weeks = 9", ["windows.toxin_weeks", "between 1 and 4 weeks"]),
    ('language = "en"', 'language = "fr"', ["clinic.language", "no 'fr' text"]),
    ('language = "en"', 'language = "en"\nlanguages = ["en", "xx"]', ["clinic.languages[1]", "no 'xx' text"]),
])
def test_config_checked_against_the_rules(tmp_path, old, new, expected):
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(DataFileError) as info:
        Engine.load(write_config(tmp_path, text))
    for part in expected:
        assert part in str(info.value), str(info.value)


@pytest.mark.parametrize(("adult", "legal", "ok"), [(18, 18, True), (21, 18, True), (16, 16, True), (18, 16, True),
                                                     (16, 18, False), (18, 21, False)])
def test_intake_check_validates_the_legal_age_with_file_path_and_fix(tmp_path, adult, legal, ok):
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace("adult_age = 18 ", f"adult_age = {adult} ")
    text = text.replace("[kiosk]", "[kiosk]\ndemo = true", 1)  # a copy of the demo clinic, on purpose
    path = write_config(tmp_path, text.replace("legal_age = 18 ", f"legal_age = {legal} "))
    done = subprocess.run([sys.executable, "-m", "intake", "--config", str(path), "check"], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    if not ok:
        report = done.stdout + done.stderr
        assert str(path) in report and "policy.legal_age" in report and "fix:" in report
        assert "Traceback" not in report


def test_missing_config_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_non_utf8_config(tmp_path):
    path = tmp_path / "clinic.toml"
    path.write_bytes(b"[clinic]\nname = \"\xff\"\n")
    with pytest.raises(DataFileError, match="not UTF-8"):
        load_config(path)
