"""Provides the completeness check of the data files' texts: every client text in every language the clinic offers.

The data files are written in English: a text is a JSON object holding an "en" string beside the other languages
(`{"en": "...", "de": "..."}`), wherever it sits in the file, so a text added in English alone is found without
knowing the file's shape. templates/consent_info.json keeps one whole entry per language instead; each offered
language's entry must hold every text the English one holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.errors import DataFileError, FileProblem, IntakeError
from intake.i18n import SOURCE_LANGUAGE

if TYPE_CHECKING:
    from intake.config import ClinicConfig

#: A key that names a language ("de", "pt-BR", "haw"): a text object has only such keys.
LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: The data file that keeps a whole entry per language rather than a language per text.
PER_LANGUAGE_FILE = "consent_info.json"


#: The texts the client's documents print, by data file and by the field that holds them (the last name in a
#: text's JSON path; "*" for every text of the file): questions, answers and step titles in the disclosures, the
#: findings and advice of the assessment, the re-screen of a session record, and the statements signed. A language
#: offered for the documents alone ([clinic] documents_only) needs these and no other.
DOCUMENT_TEXTS: Mapping[str, frozenset[str]] = {
    "questionnaire.json": frozenset({"title", "label", "yes", "no", "none", "not_answered", "confirmed"}),
    "rescreen.json": frozenset({"title", "label", "nothing_changed_since", "client_message", "practitioner_message",
                                "text", "checklist"}),
    "rules.json": frozenset({"client_message", "practitioner_message", "come_back", "risk", "text", "checklist"}),
    "statements.json": frozenset({"*"}),
}
_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])*$")


def printed_in_documents(file: str, path: str) -> bool:
    """Whether the documents print the text at `path` (a JSON path such as '$.steps[0].questions[2].label') of a
    data file (see DOCUMENT_TEXTS)."""
    fields = DOCUMENT_TEXTS.get(file, frozenset())
    found = _FIELD.search(path)
    return "*" in fields or (found is not None and found.group(1) in fields)


class MissingTextsError(IntakeError):
    """Data files lack texts in a language the clinic offers; `errors` names each file with its problems."""

    def __init__(self, errors: Sequence[DataFileError]) -> None:
        self.errors = tuple(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = sum(len(e.problems) for e in self.errors)
        head = (f"texts are missing in a language the clinic offers: {count} problem{'s' if count != 1 else ''} "
                f"in {len(self.errors)} file{'s' if len(self.errors) != 1 else ''}")
        return "\n".join([head, *(str(e) for e in self.errors)])


def is_text(value: Any) -> bool:
    """Whether a JSON value is a text keyed by language: an object of strings with an English one."""
    return (isinstance(value, Mapping) and isinstance(value.get(SOURCE_LANGUAGE), str)
            and all(isinstance(k, str) and LANGUAGE_KEY.match(k) and isinstance(v, str) for k, v in value.items()))


def texts_in(value: Any, path: str = "$") -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every text keyed by language inside a JSON value, with its JSON path, in document order."""
    if is_text(value):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from texts_in(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from texts_in(inner, f"{path}[{index}]")


def _strings_in(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with its JSON path, identifiers ("id") aside."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key != "id":
                yield from _strings_in(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings_in(inner, f"{path}[{index}]")


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


def keyed_text_problems(data: Any, languages: Sequence[str], file: str | None = None) -> list[FileProblem]:
    """The texts keyed by language that lack one of `languages` or hold it empty, each at its path.

    A language no text of the file has at all is one problem for the whole file, not one per text. With `file`
    (the data file's name), only the texts the documents print are checked (a documents-only language).
    """
    texts = [(path, text) for path, text in texts_in(data) if file is None or printed_in_documents(file, path)]
    problems: list[FileProblem] = []
    for language in dict.fromkeys(languages):
        if language == SOURCE_LANGUAGE:
            continue
        gaps = [(path, language in text) for path, text in texts if _blank(text.get(language))]
        if texts and len(gaps) == len(texts) and not any(present for _, present in gaps):
            problems.append(FileProblem("$", f"no {language!r} text at all (none of its {len(texts)} texts has one)",
                                        f"add {language!r} beside 'en' in each text, or stop offering {language!r} "
                                        f"in [clinic] {'documents_only' if file else 'languages'}"))
            continue
        problems += [FileProblem(path, f"{'an empty' if present else 'no'} {language!r} text",
                                 f"write the {language!r} text beside 'en' here")
                     for path, present in gaps]
    return problems


def per_language_problems(data: Any, languages: Sequence[str]) -> list[FileProblem]:
    """consent_info.json: each offered language's entry holds every text of the English entry, none empty."""
    entries = data.get("languages") if isinstance(data, Mapping) else None
    source = entries.get(SOURCE_LANGUAGE) if isinstance(entries, Mapping) else None
    if not isinstance(entries, Mapping) or source is None:
        return [FileProblem("$.languages", "no 'en' entry", "restore the 'en' entry from intake's templates folder")]
    problems: list[FileProblem] = []
    for language in dict.fromkeys(languages):
        entry = entries.get(language)
        if entry is None:
            problems.append(FileProblem("$.languages", f"no entry for language {language!r}",
                                        f"add a {language!r} entry like the 'en' one, with every text translated"))
            continue
        mine = dict(_strings_in(entry, f"$.languages.{language}"))
        for path, _ in _strings_in(source, f"$.languages.{language}"):
            if _blank(mine.get(path)):
                english = f"$.languages.{SOURCE_LANGUAGE}{path[len(f'$.languages.{language}'):]}"
                problems.append(FileProblem(path, f"{'an empty' if path in mine else 'no'} {language!r} text",
                                            f"translate the text at {english} here"))
    return problems


def data_files(config: ClinicConfig) -> list[Path]:
    """The clinic's data files that may hold texts: every JSON file of its schemas and templates folders,
    the JSON Schemas aside."""
    files: list[Path] = []
    for folder in dict.fromkeys((config.schemas_dir, config.templates_dir)):
        files += sorted(p for p in folder.glob("*.json") if not p.name.endswith(".schema.json"))
    return files


def file_problems(path: Path, languages: Sequence[str], documents_only: Sequence[str] = ()) -> list[FileProblem]:
    """One data file's missing texts in `languages`, and in `documents_only` among the texts the documents print;
    a file that cannot be read is one problem."""
    from intake.jsonfile import read_json

    try:
        data = read_json(path)
    except IntakeError as exc:
        return [FileProblem("(file)", str(exc), "fix the file (intake check names its other problems)")]
    problems = per_language_problems(data, languages) if path.name == PER_LANGUAGE_FILE else \
        keyed_text_problems(data, languages)
    if documents_only and path.name in DOCUMENT_TEXTS:
        problems += keyed_text_problems(data, documents_only, path.name)
    return problems


def missing_texts(config: ClinicConfig) -> list[DataFileError]:
    """Every data-file text missing in a language the clinic offers, one error per file, in file order: every text
    in a screen language, the texts the documents print (DOCUMENT_TEXTS) in a documents-only language.

    A clinic offering English alone has nothing to check: the files are written in it.
    """
    languages = [lang for lang in config.languages if lang != SOURCE_LANGUAGE]
    documents_only = [lang for lang in config.documents_only if lang != SOURCE_LANGUAGE]
    if not languages and not documents_only:
        return []
    errors = []
    for path in data_files(config):
        problems = file_problems(path, languages, documents_only)
        if problems:
            errors.append(DataFileError(path, problems))
    return errors
