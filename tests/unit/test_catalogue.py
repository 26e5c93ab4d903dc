"""The 'intake' catalogue: every message the front ends (and the core's messages to clients) mark has its German.

The messages are extracted at test time with Babel's extractor from the sources pyproject.toml names
(`[tool.babel.extract_messages] input_paths`, what `pybabel extract` reads), so a message added in code without
its German fails here, named, as does a German text whose placeholders differ from the English.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from intake.i18n import LOCALE_DIR, catalogue_path

ROOT = Path(__file__).resolve().parents[2]
#: gettext's marker for messages translated where they are shown (intake.i18n.N_), besides Babel's own keywords
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
#: {name} (str.format) and %(name)s / %s (printf) placeholders
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[a-z]|%[a-z]")


def _sources() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    paths = [ROOT / p for p in config["tool"]["babel"]["extract_messages"]["input_paths"]]
    return sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")))


@pytest.fixture(scope="module")
def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every marked message (a plural as its (singular, plural)), with where it is."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    for source in _sources():
        for line, message, _comments, _context in extract_from_file("python", str(source), keywords=KEYWORDS):
            key = message if isinstance(message, str) else tuple(m for m in message if m)
            found.setdefault(key, []).append(f"{source.relative_to(ROOT)}:{line}")
    return found


@pytest.fixture(scope="module")
def german():
    with catalogue_path(LOCALE_DIR, "intake", "de").open("rb") as handle:
        return read_po(handle, locale="de")


def test_the_extraction_finds_the_front_ends_words(extracted):
    """The extractor sees the marked messages of each part (a broken configuration would find none)."""
    where = {place.split(":")[0] for places in extracted.values() for place in places}
    for part in ("intake/tui/device.py", "intake/tui/screens/step.py", "intake/prompt/walker.py",
                 "intake/validation.py", "intake/datetyping.py"):
        assert part in where
    assert "Next" in extracted and "My answers are true" in extracted


def test_every_message_has_its_german(extracted, german):
    missing = []
    for key, places in extracted.items():
        entry = german.get(key if isinstance(key, str) else key[0])
        strings = entry.string if entry is not None else None
        given = [strings] if isinstance(strings, str) else list(strings or ())
        if entry is None or entry.fuzzy or not given or not all(given):
            missing.append(f"{key!r} ({places[0]})")
    assert not missing, "no German (or only a fuzzy one) in intake/locale/de/LC_MESSAGES/intake.po for:\n" + \
        "\n".join(missing)


def test_german_keeps_every_placeholder(german):
    wrong = []
    for entry in german:
        if not entry.id:
            continue
        english = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        for text in [entry.string] if isinstance(entry.string, str) else list(entry.string):
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(english[-1])):
                wrong.append(f"{english[0]!r} -> {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)

