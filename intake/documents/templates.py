"""Provides the template set: one in-memory snapshot of templates/, its content versions and the Jinja2 environment.

The snapshot is taken once, when a renderer starts, so the text that is rendered, the stylesheet
that is applied and the versions recorded in each document always belong together. Editing a
template changes its version; documents made earlier keep the versions they were made with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from intake.documents.errors import TemplateProblemError

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
MAX_FILE_BYTES = 1024 * 1024
VERSION_LENGTH = 12


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

    def versions_for(self, kind: str) -> dict[str, str]:
        """Each file's version for one kind of document."""
        return {name: self.versions[name] for name in self.files_for(kind)}

    def statement(self, kind: str, language: str) -> str:
        """The default statement a client affirms when signing one kind of document."""
        texts = self.statements.get(kind, {})
        return texts.get(language) or texts.get("en") or ""

    def render(self, kind: str, context: Mapping[str, Any]) -> str:
        """Renders one kind of document to HTML.

        Raises:
            TemplateProblemError: the template uses a value that does not exist, or breaks a sandbox rule.
        """
        name = MAIN_TEMPLATES[kind]
        try:
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
    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.DictLoader(sources),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
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
