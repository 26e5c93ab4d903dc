"""Yes/no keys in the client's language: the first letters of the questionnaire's Yes and No, shown on screen.

Generated over the languages in the data, plus languages added to a copy of the data (the way a
clinic adds one: a text per language), chosen for their letters: one like English, ones whose No
shares English's N, one whose Yes begins with N (so N cannot mean No), one whose Yes and No begin
with the same letter (so only Y and N answer) and one in another script.
"""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Static

from intake.config import load_config
from intake.engine import Engine
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR, TEMPLATES_DIR
from intake.records import create_data_key
from intake.tui.widgets.questions import YesNoField
from intake.tui.widgets.tiles import ChoiceTile
from intake.yesnokeys import first_letter, keys_for, yes_no_keys
from tests.tui.conftest import SIZES, build_app
from tests.tui.test_kiosk import begin

#: Languages added to a copy of the questionnaire: (code, Yes, No).
ADDED = [("de", "Ja", "Nein"), ("fr", "Oui", "Non"), ("sw", "Ndiyo", "Hapana"), ("el", "Ναι", "Όχι"),
         ("tr", "Evet", "Hayır"), ("haw", "ʻAe", "ʻAʻole")]
#: The ones also walked through the wizard (the rest are checked without a screen).
WALKED = {"de", "sw", "el"}


def _check_keys(yes_label: str, no_label: str) -> None:
    keys = keys_for(yes_label, no_label)
    assert keys.yes and keys.no and not set(keys.yes) & set(keys.no)  # both answerable, never both at once
    assert all(len(k) == 1 for k in keys.yes + keys.no)
    yes, no = first_letter(yes_label), first_letter(no_label)
    own = yes is not None and no is not None and yes != no
    if own:  # the language's own letters come first, and are what the screen shows
        assert (keys.yes[0], keys.no[0]) == (yes, no)
        assert (keys.answer(keys.shown[0]), keys.answer(keys.shown[1])) == (True, False)
    assert ("y" in keys.yes) == (not own or no != "y")  # Y and N are kept unless they mean the other answer
    assert ("n" in keys.no) == (not own or yes != "n")
    for answer in (True, False):
        for key in keys.binding_keys(answer).split(","):  # every key bound, in either case, answers it
            assert keys.answer(key) is answer


def test_english_keys_are_y_and_n(engine):
    keys = yes_no_keys(engine.questionnaire, "en")
    assert (keys.yes, keys.no, keys.hint) == (("y",), ("n",), "Y/N")


@pytest.mark.parametrize(("language", "yes", "no"), ADDED, ids=[a[0] for a in ADDED])
def test_keys_for_each_added_language(language, yes, no):
    _check_keys(yes, no)


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_keys_for_any_labels(yes, no):
    _check_keys(yes, no)


def _engine_in(tmp_path, language: str, yes: str, no: str) -> Engine:
    """The demo clinic in a copy of the data with `language` added to every client text of the questionnaire
    and the rules (its Yes and No as given, the rest copied from English), the clinic set to that language."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)

    def add(node):
        if isinstance(node, dict):
            if isinstance(node.get("en"), str):
                node.setdefault(language, node["en"])
            for value in node.values():
                add(value)
        elif isinstance(node, list):
            for value in node:
                add(value)

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    for name in ("rules.json", "questionnaire.json", "rescreen.json", "course.json", "../templates/statements.json"):
        texts = json.loads((schemas / name).read_text(encoding="utf-8"))
        add(texts)
        (schemas / name).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    info = json.loads((templates / "consent_info.json").read_text(encoding="utf-8"))
    info["languages"].setdefault(language, info["languages"]["en"])
    (templates / "consent_info.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    data = json.loads((schemas / "questionnaire.json").read_text(encoding="utf-8"))
    data["languages"] += [] if language in data["languages"] else [language]
    data["words"]["yes"][language], data["words"]["no"][language] = yes, no
    (schemas / "questionnaire.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace('language = "en"', f'language = "{language}"')
    config = tmp_path / "clinic.toml"
    config.write_text(text + f'\n[paths]\nschemas = "{schemas}"\ntemplates = "{templates}"\n', encoding="utf-8")
    loaded = load_config(config)
    create_data_key(loaded)
    return Engine.load(loaded)


def _languages(engine) -> list[tuple[str, str, str]]:
    own = [(lang, engine.questionnaire.word("yes", lang), engine.questionnaire.word("no", lang))
           for lang in engine.questionnaire.languages]
    return own + [a for a in ADDED if a[0] in WALKED and a[0] not in engine.questionnaire.languages]


def pytest_generate_tests(metafunc):
    if "walked_language" in metafunc.fixturenames:
        engine = Engine.load()
        cases = _languages(engine)
        metafunc.parametrize("walked_language", cases, ids=[c[0] for c in cases])


async def test_the_wizard_answers_with_the_languages_keys_and_shows_them(tmp_path, engine, walked_language):
    language, yes_label, no_label = walked_language
    if language != engine.language:  # a clinic copy whose clients read that language
        engine = _engine_in(tmp_path, language, yes_label, no_label)
    keys = yes_no_keys(engine.questionnaire, language)
    app = build_app(engine)
    async with app.run_test(size=SIZES["small"]) as pilot:
        step = await begin(pilot)
        field = next(f for f in step.query(YesNoField) if f.display)
        field.focus_answer()
        await pilot.pause()
        yes_key, no_key = keys.shown  # the hint names the keys and their answers in the client's language
        assert f"{yes_key}: {yes_label} · {no_key}: {no_label}" in str(step.query_one("#keys-hint", Static).render())
        tiles = list(field.query(ChoiceTile))
        assert [t.label for t in tiles] == [yes_label, no_label]
        assert [t.key for t in tiles] == list(keys.shown)  # each tile shows its key
        for answer, key in [(True, k) for k in keys.yes] + [(False, k) for k in keys.no]:
            for typed in (key, key.upper()):
                field.focus_answer()
                await pilot.pause()
                await pilot.press(typed)
                await pilot.pause()
                assert step.working[field.question_id] is answer, (language, typed)
        for other in {"y", "n"} - set(keys.yes + keys.no):  # Y or N meaning the other answer does nothing
            before = step.working[field.question_id]
            field.focus_answer()
            await pilot.press(other)
            await pilot.pause()
            assert step.working[field.question_id] is before
