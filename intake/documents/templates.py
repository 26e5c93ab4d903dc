"""Provides the template set: one in-memory snapshot of templates/, its content versions and the Jinja2 environment.

The snapshot is taken once, when a renderer starts, so the text that is rendered, the stylesheet
that is applied and the versions recorded in each document always belong together. Editing a
template changes its version; documents made earlier keep the versions they were made with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from babel.support import NullTranslations
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from intake.documents.errors import TemplateProblemError
from intake.errors import DataFileError
from intake.i18n import SOURCE_LANGUAGE, catalogue_path, translations

#: The main template of each kind of document.
MAIN_TEMPLATES = {
    "consent": "consent.html.j2",
    "aftercare": "aftercare.html.j2",
    "deferral": "deferral.html.j2",
    "session_record": "session_record.html.j2",
    "session_aftercare": "session_aftercare.html.j2",
    "visit_deferral": "visit_deferral.html.j2",
}
STYLESHEET = "documents.css"
STATEMENTS = "statements.json"
ASSETS = "assets"
#: The documents' message catalogues: templates/locale/<language>/LC_MESSAGES/documents.po (English is the source).
LOCALE = "locale"
DOMAIN = "documents"
#: The Jinja2 extensions every template set uses ({% trans %} and _() through the "documents" catalogue).
EXTENSIONS = ["jinja2.ext.i18n"]
MAX_FILE_BYTES = 1024 * 1024
VERSION_LENGTH = 12


#: The language and messages of the document being rendered. Set around each render (a macro imported from
#: _macros.html.j2 is compiled once and shared, so it cannot read the language from its caller's context).
_CURRENT: ContextVar[tuple[str, NullTranslations]] = ContextVar(
    "intake_document_language", default=(SOURCE_LANGUAGE, NullTranslations()))


def document_language() -> str:
    """The language of the document being rendered (what the date and number filters write in)."""
    return _CURRENT.get()[0]


def _gettext(message: str) -> str:
    return _CURRENT.get()[1].gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _CURRENT.get()[1].ngettext(singular, plural, count)


@contextmanager
def in_language(language: str, messages: NullTranslations) -> Iterator[None]:
    """Renders in `language` with `messages` for the duration of the block."""
    token = _CURRENT.set((language, messages))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def catalogue_name(language: str) -> str:
    """A language's catalogue inside the templates folder, as its version is recorded ("locale/de/...")."""
    return catalogue_path(Path(LOCALE), DOMAIN, language).as_posix()


def content_version(data: bytes) -> str:
    """The version of a template file: the start of its SHA-256."""
    return hashlib.sha256(data).hexdigest()[:VERSION_LENGTH]


def set_version(versions: Mapping[str, str]) -> str:
    """One version for a set of files, changing whenever any of them changes."""
    text = "\n".join(f"{name}={version}" for name, version in sorted(versions.items()))
    return content_version(text.encode("utf-8"))


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TemplateProblemError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB; a template is far "
                                       "smaller. Check that this is the right file.")
        return path.read_bytes()
    except FileNotFoundError:
        raise TemplateProblemError(f"{path}: missing. Restore it from the intake templates/ folder.") from None
    except OSError as exc:
        raise TemplateProblemError(f"{path}: cannot be read ({exc.strerror}).") from None


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateProblemError(f"{path}: not UTF-8 text. Save it as UTF-8.") from None


@dataclass(frozen=True)
class TemplateSet:
    """The templates, stylesheet, assets and signing statements of one templates/ folder."""

    folder: Path
    sources: Mapping[str, str]
    stylesheet: str
    assets: Mapping[str, bytes]
    statements: Mapping[str, Mapping[str, str]]
    versions: Mapping[str, str]
    environment: jinja2.Environment = field(repr=False, compare=False)
    _files: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    def files_for(self, kind: str) -> list[str]:
        """The template files one kind of document is built from, with the stylesheet and assets."""
        if kind not in self._files:
            self._files[kind] = self._find_files(kind)
        return list(self._files[kind])

    def _find_files(self, kind: str) -> list[str]:
        main = MAIN_TEMPLATES[kind]
        seen: list[str] = []
        pending = [main]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.append(name)
            for ref in meta.find_referenced_templates(self.environment.parse(self.sources[name])):
                if ref is None:  # a computed name: count every template
                    pending.extend(n for n in self.sources if n not in seen)
                elif ref in self.sources:
                    pending.append(ref)
        # statements.json: the words a client affirms and the seal's reason belong to every document
        return sorted(seen) + [STYLESHEET, STATEMENTS] + sorted(f"{ASSETS}/{name}" for name in self.assets)

    def versions_for(self, kind: str, language: str = SOURCE_LANGUAGE) -> dict[str, str]:
        """Each file's version for one kind of document in a language (its catalogue is one of the files)."""
        versions = {name: self.versions[name] for name in self.files_for(kind)}
        catalogue = catalogue_name(language)
        if catalogue in self.versions:
            versions[catalogue] = self.versions[catalogue]
        return versions

    def messages(self, language: str) -> NullTranslations:
        """The documents' texts in a language (English: the templates' own).

        Raises:
            TemplateProblemError: the language has no catalogue in templates/locale.
        """
        try:
            return translations(self.folder / LOCALE, DOMAIN, language)
        except DataFileError as exc:
            raise TemplateProblemError(f"{exc} (the documents' texts in {language!r})") from None

    def statement(self, kind: str, language: str) -> str:
        """The default statement a client affirms when signing one kind of document."""
        texts = self.statements.get(kind, {})
        return texts.get(language) or texts.get("en") or ""

    def render(self, kind: str, context: Mapping[str, Any]) -> str:
        """Renders one kind of document to HTML, in the language `context["language"]` (the record's).

        Raises:
            TemplateProblemError: the template uses a value that does not exist, or breaks a sandbox rule;
                or the language has no catalogue.
        """
        name = MAIN_TEMPLATES[kind]
        language = str(context.get("language") or SOURCE_LANGUAGE)
        try:
            with in_language(language, self.messages(language)):
                return self.environment.get_template(name).render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateProblemError(f"templates/{name}: uses a value that does not exist ({exc.message}). "
                                       "Check the spelling against the document context.") from None
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateProblemError(f"templates/{name}: not allowed in a template ({exc}).") from None
        except jinja2.TemplateError as exc:
            raise TemplateProblemError(f"templates/{name}: {exc}.") from None


def _read_statements(path: Path, versions: dict[str, str]) -> dict[str, dict[str, str]]:
    """The statements signed, by kind and language; their content version is added to `versions`."""
    data = _read(path)
    versions[STATEMENTS] = content_version(data)
    try:
        statements = json.loads(_text(path, data))
    except json.JSONDecodeError as exc:
        raise TemplateProblemError(f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}.") from None
    if not isinstance(statements, dict) or not all(
        isinstance(v, dict) and all(isinstance(t, str) for t in v.values()) for v in statements.values()
    ):
        raise TemplateProblemError(f"{path}: expected {{\"consent\": {{\"en\": \"text\"}}, ...}}.")
    return statements


def template_environment(sources: Mapping[str, str]) -> jinja2.Environment:
    """The sandboxed Jinja2 environment of a template set, its texts translated through the "documents" catalogue."""
    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.DictLoader(dict(sources)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=EXTENSIONS,
    )
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return environment


def load_template_set(folder: Path, filters: Mapping[str, Callable[..., Any]]) -> TemplateSet:
    """Reads templates/ once and compiles every main template.

    Raises:
        TemplateProblemError: a file is missing, unreadable or has a syntax error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TemplateProblemError(f"{folder}: the templates folder does not exist. "
                                   "Check [paths] templates in the clinic configuration.")
    versions: dict[str, str] = {}
    sources: dict[str, str] = {}
    for path in sorted(folder.glob("*.j2")):
        data = _read(path)
        sources[path.name] = _text(path, data)
        versions[path.name] = content_version(data)
    for name in MAIN_TEMPLATES.values():
        if name not in sources:
            raise TemplateProblemError(f"{folder / name}: missing. Restore it from the intake templates/ folder.")
    css_data = _read(folder / STYLESHEET)
    versions[STYLESHEET] = content_version(css_data)
    assets: dict[str, bytes] = {}
    if (folder / ASSETS).is_dir():
        for path in sorted((folder / ASSETS).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                assets[path.name] = _read(path)
                versions[f"{ASSETS}/{path.name}"] = content_version(assets[path.name])
    statements = _read_statements(folder / STATEMENTS, versions)
    for path in sorted((folder / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        versions[path.relative_to(folder).as_posix()] = content_version(_read(path))
    environment = template_environment(sources)
    environment.filters.update(filters)
    for name in MAIN_TEMPLATES.values():
        try:
            environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = exc.name or name
            raise TemplateProblemError(f"{folder / where}, line {exc.lineno}: {exc.message}. "
                                       "Fix the template syntax.") from None
    template_set = TemplateSet(folder, sources, _text(folder / STYLESHEET, css_data), assets, statements,
                               versions, environment)
    for kind in MAIN_TEMPLATES:
        template_set.files_for(kind)  # worked out now, while nothing else runs
    return template_set
