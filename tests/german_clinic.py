"""A copy of the demo clinic offering English and German, for the tests of the client's choice of language.

Its data files get a generated German text wherever one is missing ("DE: " and the English), so a German walk
proves the machinery (the choice, what follows it) whatever the state of the German data texts; the German
Yes and No are the real "Ja" and "Nein", so the keys are J and N. The wizard's and `intake ask`'s own words
are the real German catalogue's (intake/locale).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from intake.config import ClinicConfig, load_config
from intake.i18n import LOCALE_DIR, catalogue_path
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR, TEMPLATES_DIR

#: What a generated German text starts with.
MARK = "DE: "


def _add_german(node: Any) -> None:
    """Gives every {"en": text} (and {"en": [texts]}) in the data a German text where it has none."""
    if isinstance(node, dict):
        english = node.get("en")
        if "de" not in node and isinstance(english, str):
            node["de"] = MARK + english
        elif "de" not in node and isinstance(english, list) and all(isinstance(e, str) for e in english):
            node["de"] = [MARK + e for e in english]
        for value in node.values():
            _add_german(value)
    elif isinstance(node, list):
        for value in node:
            _add_german(value)


def _marked(node: Any) -> Any:
    """Every string of a text tree marked as generated German (placeholders such as {uses} kept)."""
    if isinstance(node, str):
        return MARK + node if node else node
    if isinstance(node, dict):
        return {key: node[key] if key == "id" else _marked(node[key]) for key in node}
    if isinstance(node, list):
        return [_marked(value) for value in node]
    return node


def _rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def german_clinic(folder: Path) -> ClinicConfig:
    """The demo clinic (its shared demo PIN working) with `languages = ["en", "de"]`, its data and keys in `folder`."""
    schemas, templates = folder / "schemas", folder / "templates"
    shutil.copytree(SCHEMAS_DIR, schemas)
    shutil.copytree(TEMPLATES_DIR, templates)
    for path in [*schemas.glob("*.json"), templates / "statements.json"]:
        _rewrite(path, _add_german)

    def questionnaire(data: dict[str, Any]) -> None:
        if "de" not in data["languages"]:
            data["languages"].append("de")
        for word, german in (("yes", "Ja"), ("no", "Nein")):
            data["words"][word]["de"] = german

    def information(data: dict[str, Any]) -> None:
        data["languages"].setdefault("de", _marked(copy.deepcopy(data["languages"]["en"])))

    _rewrite(schemas / "questionnaire.json", questionnaire)
    _rewrite(templates / "consent_info.json", information)
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for old, new in [('language = "en"', 'language = "en"\nlanguages = ["en", "de"]'),
                     ('"intake-data"', f'"{folder}/data"'), ('"intake-keys/', f'"{folder}/keys/'),
                     ('"intake-documents"', f'"{folder}/documents"'),
                     ("[kiosk]", "[kiosk]\ndemo = true")]:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / "clinic.toml"
    path.write_text(text + f'\n[paths]\nschemas = "{schemas}"\ntemplates = "{templates}"\n', encoding="utf-8")
    return load_config(path)


@functools.cache
def english_only() -> list[tuple[str, re.Pattern[str]]]:
    """Every message of the German "intake" catalogue whose German differs from its English, each with a pattern that
    finds its English on a screen (a whole word or phrase; for one with placeholders, its longest fixed part)."""
    with catalogue_path(LOCALE_DIR, "intake", "de").open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not message.id or message.pluralizable or message.string == message.id:
            continue
        part = max(re.split(r"\{[^}]*\}", message.id), key=len).strip(" .,:·")
        if len(part) >= 2 and (part == message.id.strip(" .,:·") or len(part) >= 12):
            found.append((message.id, re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")))
    return found
