"""Provides the client information texts (shown before signing) from templates/consent_info.json."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intake.datafile import load_data_file
from intake.errors import DataFileError, FileProblem

FILE_NAME = "consent_info.json"
#: The consent essentials the information screen must cover before anyone signs.
REQUIRED_SECTIONS = ("procedure", "benefits", "risks", "alternatives", "aftercare")


def load_texts(templates_dir: Path, languages: tuple[str, ...], language: str) -> Mapping[str, Any]:
    """Loads and checks the texts, returning those of one language.

    Args:
        templates_dir: the clinic's templates folder.
        languages: every language the questionnaire declares; each needs its texts.
        language: the language to return.

    Raises:
        DataFileError: the file is missing, malformed, lacks a language or a required section.
    """
    path = templates_dir / FILE_NAME
    if not path.is_file():
        raise DataFileError(path, [FileProblem("(file)", "no such file",
                                               f"copy {FILE_NAME} from intake's templates folder")])
    data = load_data_file(path, "consent_info.schema.json")
    problems = []
    for lang in languages:
        texts = data["languages"].get(lang)
        if texts is None:
            problems.append(FileProblem("$.languages", f"no texts for language {lang!r}",
                                        f"add a {lang!r} entry like the 'en' one"))
            continue
        ids = [s["id"] for s in texts["information"]["sections"]]
        missing = [s for s in REQUIRED_SECTIONS if s not in ids]
        if missing:
            problems.append(FileProblem(f"$.languages.{lang}.information.sections",
                                        f"missing the section(s) {', '.join(missing)}",
                                        "clients must read these before signing; add them"))
    if problems:
        raise DataFileError(path, problems)
    chosen: Mapping[str, Any] = data["languages"].get(language) or data["languages"][languages[0]]
    return chosen
