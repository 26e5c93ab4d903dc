"""Provides the wording version of a document's files: a version of what the documents *say*, not of how they look.

A consent stands on the words the client read. When those words change, the client reads and signs the new ones
(`consent_template_changed` in schemas/course.json); when only the look changes (the stylesheet, a picture, the
markup a template arranges its words in), nothing the client agreed to has changed. So each consent records, beside
each file's exact version (its bytes, for provenance), the version of its wording:

- a template: its text with the HTML markup left out (tags and their attributes, comments, `<style>` blocks) and
  runs of white space made one, keeping the words and the Jinja that chooses and fills them in;
- a message catalogue: its messages and their translations, without comments, source references and the header;
- the signing statements: the file as it is (every part of it is words);
- the stylesheet and the pictures: none (they say nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from intake.documents.templates import ASSETS, STYLESHEET, content_version

_STYLE = re.compile(r"<style\b.*?</style\s*>", re.S | re.I)
_COMMENTS = re.compile(r"<!--.*?-->|\{#.*?#\}", re.S)
_TAG = re.compile(r"<[^>]*>")


def says_words(name: str) -> bool:
    """Whether a file of a template set (named as documents record it) holds words a document says."""
    return name != STYLESHEET and not name.startswith(f"{ASSETS}/")


def template_words(text: str) -> str:
    """A template's words and Jinja, without its markup, white space made single spaces."""
    for pattern in (_STYLE, _COMMENTS, _TAG):
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def catalogue_words(text: str) -> str:
    """A message catalogue's messages and translations (one per line), without comments or the header."""
    kept: list[str] = []
    for entry in re.split(r"\n[ \t]*\n", text):
        lines = [line.strip() for line in entry.splitlines() if line.strip() and not line.startswith("#")]
        if len(lines) >= 2 and lines[0] == 'msgid ""' and lines[1].startswith("msgstr"):
            continue  # the header: dates, tool versions, the translator's name
        kept.extend(lines)
    return "\n".join(kept)


def wording_version(name: str, data: bytes) -> str | None:
    """The version of what one file makes a document say (None for the stylesheet and pictures)."""
    if not says_words(name):
        return None
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".j2"):
        text = template_words(text)
    elif name.endswith(".po"):
        text = catalogue_words(text)
    return content_version(text.encode("utf-8"))


def folder_wordings(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """The wording version of each of `names` (files of a templates folder, named as documents record them) that
    says words, read from `folder`; a file that cannot be read has none (the renderer has read it already)."""
    found: dict[str, str] = {}
    for name in filter(says_words, names):
        try:
            data = (folder / name).read_bytes()
        except OSError:
            continue
        if (wording := wording_version(name, data)) is not None:
            found[name] = wording
    return found
