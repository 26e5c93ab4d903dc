"""Provides the completeness check of the documents' texts: each text of templates/*.j2 in a language's catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from intake.documents.templates import DOMAIN, EXTENSIONS, LOCALE
from intake.i18n import SOURCE_LANGUAGE, catalogue_path, locale_for

#: The gettext functions the templates call, and the extractor's options matching the template environment.
KEYWORDS = ("_", "gettext", "ngettext")
OPTIONS = {"extensions": ",".join(EXTENSIONS), "newstyle_gettext": "true", "trim_blocks": "true",
           "lstrip_blocks": "true"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class TemplateText:
    """One text of a template: where it is, and its English words (with the plural, if it has one)."""

    template: str
    line: int
    msgid: str
    plural: str | None = None


@dataclass(frozen=True)
class MissingText:
    """A document text a language's catalogue lacks (or has with a placeholder the template does not give).

    Attributes:
        where: the template file and line ("consent.html.j2:42"), or the catalogue file when it is missing.
        msgid: the English text (the catalogue's key).
        problem: what is wrong.
    """

    where: str
    msgid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}: {self.msgid!r}"


def template_texts(templates_dir: Path) -> Iterator[TemplateText]:
    """Every text the templates translate, in file and line order (Jinja2's Babel extractor)."""
    for path in sorted(Path(templates_dir).glob("*.j2")):
        with path.open("rb") as handle:
            for line, _function, message, _comments in babel_extract(handle, KEYWORDS, [], OPTIONS):
                words = [m for m in (message if isinstance(message, tuple) else (message,)) if m is not None]
                if words:
                    yield TemplateText(path.name, line, words[0], words[1] if len(words) > 1 else None)


def missing_texts(templates_dir: Path, language: str) -> list[MissingText]:
    """The texts of templates/*.j2 the language's "documents" catalogue lacks, each with its template and line.

    English is the templates' own language and lacks nothing. A missing catalogue is one problem naming the file.
    Fuzzy entries count as missing (they are not used).
    """
    if language.split("-")[0] == SOURCE_LANGUAGE:
        return []
    folder = Path(templates_dir)
    path = catalogue_path(folder / LOCALE, DOMAIN, language)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale_for(language), domain=DOMAIN)
    except OSError:
        return [MissingText(str(path), "(every text)", "the catalogue does not exist: add it, or stop offering "
                            f"{language!r}")]
    problems: list[MissingText] = []
    for text in template_texts(folder):
        where = f"{text.template}:{text.line}"
        entry = catalog.get(text.msgid if text.plural is None else (text.msgid, text.plural))
        string = None if entry is None else entry.string
        forms = [str(f or "") for f in string] if isinstance(string, (tuple, list)) else [str(string or "")]
        if entry is None or entry.fuzzy or not all(forms):
            problems.append(MissingText(where, text.msgid, f"no {language!r} text"))
            continue
        given = set(PLACEHOLDER.findall(text.msgid + (text.plural or "")))
        given |= {"count", "num"} if text.plural else set()
        unknown = sorted(set(PLACEHOLDER.findall("".join(forms))) - given)
        if unknown:
            problems.append(MissingText(where, text.msgid, f"the {language!r} text uses "
                                        f"{', '.join('%(' + name + ')s' for name in unknown)}, which the template "
                                        "does not give"))
    return problems
