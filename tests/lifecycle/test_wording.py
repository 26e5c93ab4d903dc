"""A consent asks to be signed again when its words change, never when only its look does (issue: a layout update
made every returning client 'need a new consent'). Generated from the real templates: for every file a consent is
made from, a change of markup, attributes, indentation or style keeps its wording version, and a changed word does
not."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest

from intake.documents.formatting import make_filters
from intake.documents.templates import ASSETS, STYLESHEET, document_language, load_template_set
from intake.documents.wording import catalogue_words, folder_wordings, says_words, template_words, wording_version
from intake.paths import TEMPLATES_DIR
from tests.course.test_rescreen import visit as rescreen_answers
from tests.lifecycle.conftest import DESK
from tests.lifecycle.test_visits import asked, countersigned, day0, visits  # noqa: F401 (fixture)

TEMPLATES = load_template_set(TEMPLATES_DIR, make_filters("Europe/London", document_language))
WORDINGS = folder_wordings(TEMPLATES_DIR, TEMPLATES.versions)
#: Every file a consent is made from, in every language the templates have a catalogue for.
CONSENT_FILES = sorted({name for language in ("en", "de", "ur")
                        for name in TEMPLATES.versions_for("consent", language)})
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(\s|>)")
#: A word the template says: in a translated string (_("...")) or in its text between tags.
_WORDS = (re.compile(r'_\("[^"]*?\b([A-Za-z]{4,})\b'), re.compile(r">[^<>{}%#]*?\b([A-Za-z]{4,})\b"))


def restyled(text: str) -> str:
    """The same template laid out differently: an attribute on every tag, every line indented, a style block."""
    text = _TAG.sub(lambda m: f'<{m.group(1)} data-look="new"{m.group(2)}', text)
    return "<style>p { margin: 0 }</style>\n" + "\n".join("    " + line for line in text.splitlines())


def reworded(text: str) -> str:
    found = next(filter(None, (pattern.search(text) for pattern in _WORDS)), None)
    assert found is not None, "a template of the consent that says no word"
    return text[:found.start(1)] + found.group(1).upper()[::-1] + text[found.end(1):]


def test_the_consent_is_made_from_templates_catalogues_statements_and_looks():
    assert any(n.endswith(".j2") for n in CONSENT_FILES) and any(n.endswith(".po") for n in CONSENT_FILES)
    assert STYLESHEET in CONSENT_FILES and not says_words(STYLESHEET)
    assert not any(says_words(n) for n in CONSENT_FILES if n.startswith(f"{ASSETS}/"))
    assert {n for n in WORDINGS if n in TEMPLATES.versions_for("consent", "de")} == {
        n for n in TEMPLATES.versions_for("consent", "de") if says_words(n)}


@pytest.mark.parametrize("name", [n for n in CONSENT_FILES if n.endswith(".j2")])
def test_a_templates_wording_holds_through_a_new_look_and_not_through_a_new_word(name):
    text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    version = wording_version(name, text.encode())
    assert version == WORDINGS[name]
    assert wording_version(name, restyled(text).encode()) == version
    assert wording_version(name, reworded(text).encode()) != version


@pytest.mark.parametrize("name", [n for n in CONSENT_FILES if n.endswith(".po")])
def test_a_catalogues_wording_holds_through_new_references_and_header_not_a_new_translation(name):
    text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    version = wording_version(name, text.encode())
    moved = re.sub(r"^#: (\S+):(\d+)", lambda m: f"#: {m.group(1)}:{int(m.group(2)) + 7}", text, flags=re.M)
    moved = re.sub(r'"POT-Creation-Date: [^"]*"', '"POT-Creation-Date: 2031-01-01 00:00+0000\\\\n"', moved)
    assert moved != text and wording_version(name, moved.encode()) == version
    translated = re.search(r'^msgstr "(.+)"$', text, flags=re.M)
    assert translated is not None
    changed = text[:translated.start(1)] + "X" + text[translated.start(1) + 1:]
    assert wording_version(name, changed.encode()) != version


def test_words_in_markup_and_jinja_are_kept_and_markup_is_not():
    assert template_words('<p class="a">Your  <b>skin</b>\n {{ _("heals") }}</p><!-- x -->{# y #}') == \
        'Your skin {{ _("heals") }}'
    assert catalogue_words('msgid ""\nmsgstr ""\n"Language: de\\n"\n\n#: a.j2:1\nmsgid "Yes"\nmsgstr "Ja"\n') == \
        'msgid "Yes"\nmsgstr "Ja"'


class _Moved:
    """The clinic's configuration with its templates in another folder (as a clinic's own copy would be)."""

    def __init__(self, config, folder) -> None:
        self._config, self.templates_dir = config, folder

    def __getattr__(self, name: str):
        return getattr(self._config, name)


@pytest.mark.parametrize("change, needs_consent", [("look", False), ("words", True)])
def test_a_returning_client_signs_again_only_when_the_consents_words_changed(life, visits, tmp_path,  # noqa: F811
                                                                            change, needs_consent):
    intake = countersigned(life)
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    for name in (n for n in TEMPLATES.files_for("consent") if n.endswith(".j2")):
        path = folder / name
        path.write_text((restyled if change == "look" else reworded)(path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    if change == "look":
        (folder / STYLESHEET).write_text((folder / STYLESHEET).read_text(encoding="utf-8") + "\np { color: #111 }\n",
                                         encoding="utf-8")
        for picture in (folder / ASSETS).iterdir():
            picture.write_bytes(picture.read_bytes() + b"\0")
    visits.config = _Moved(visits.config, folder)
    started = visits.begin(intake.intake_id, DESK, day0(intake) + timedelta(weeks=5))
    kept = visits.rescreen(started.visit_id, asked(visits, started, rescreen_answers(False)), DESK)
    assert kept.status == ("needs_consent" if needs_consent else "ready")
    if needs_consent:
        assert any("consent form has changed" in reason for reason in kept.outcome["reasons"])


def test_a_consent_made_before_wording_versions_asks_again_for_its_words_not_its_look():
    """Older consents record each file's exact version only: a new stylesheet or picture no longer asks for a new
    consent; any change of a file that holds words still does (its wording then is not known)."""
    from dataclasses import replace

    from intake.course.course import consent_reasons, load_course_rules
    from intake.paths import SCHEMAS_DIR
    from tests.lifecycle.test_visits import _course, _facts

    rules = load_course_rules(SCHEMAS_DIR)
    then = {"consent.html.j2": "aaaa", STYLESHEET: "cccc", f"{ASSETS}/mark.png": "eeee"}
    course = replace(_course(), consent_templates=then, age_at_consent=30)
    looks = _facts(templates_now={**then, STYLESHEET: "dddd", f"{ASSETS}/mark.png": "ffff"})
    assert consent_reasons(rules, course, looks) == []
    words = _facts(templates_now={**then, "consent.html.j2": "bbbb"})
    assert [r.reason_id for r in consent_reasons(rules, course, words)] == ["consent_form_changed"]
    signed = replace(course, consent_wording={"consent.html.j2": "1111"})  # newer: by wording only
    assert consent_reasons(rules, signed, replace(words, wording_now={"consent.html.j2": "1111"})) == []
    assert consent_reasons(rules, signed, replace(looks, wording_now={"consent.html.j2": "2222"}))
