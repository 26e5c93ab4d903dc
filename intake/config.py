"""Provides the clinic configuration read from TOML and checked against schemas/config.schema.json."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intake.conditions import AgePolicy, MinorsPolicy
from intake.datafile import schema_problems
from intake.errors import DataFileError, FileProblem, IntakeError
from intake.i18n import locale_for
from intake.paths import DEMO_CONFIG, SCHEMAS_DIR, TEMPLATES_DIR

CONFIG_ENV = "INTAKE_CONFIG"
#: [policy] legal_age when not set: the age of consent in most of the UK, the EU and the US.
LEGAL_AGE = 18


@dataclass(frozen=True)
class Practitioner:
    """A practitioner who may review and countersign."""

    id: str
    name: str
    role: str = ""
    registration: str = ""

    @property
    def listed(self) -> str:
        """How staff find them in a list: their name, and their role when the clinic gave one."""
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass(frozen=True)
class ClinicConfig:
    """A clinic's settings. Relative paths resolve against the folder intake is started in."""

    source: Path
    data: Mapping[str, Any]
    practitioners: tuple[Practitioner, ...]

    # -- sections -----------------------------------------------------------------------------

    def section(self, name: str) -> Mapping[str, Any]:
        """One TOML table, empty when absent."""
        table: Mapping[str, Any] = self.data.get(name, {})
        return table

    @property
    def clinic(self) -> Mapping[str, Any]:
        """The [clinic] table: name, address, phone, email, website, timezone, language."""
        table: Mapping[str, Any] = self.data["clinic"]
        return table

    @property
    def is_demo(self) -> bool:
        """True for the embedded demo configuration."""
        return self.source == DEMO_CONFIG

    @property
    def language(self) -> str:
        """The language for client-facing text."""
        return str(self.clinic.get("language", "en"))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages clients may choose ([clinic] languages), the default language first."""
        offered = [str(code) for code in self.clinic.get("languages", ())]
        return (self.language, *(code for code in offered if code != self.language))

    @property
    def documents_only(self) -> tuple[str, ...]:
        """The languages offered for the client's documents alone ([clinic] documents_only): no screen is in them."""
        return tuple(str(code) for code in self.clinic.get("documents_only", ()))

    @property
    def document_languages(self) -> tuple[str, ...]:
        """Every language a client's documents may be in: the screen languages, then the documents-only ones."""
        return (*self.languages, *self.documents_only)

    @property
    def timezone(self) -> ZoneInfo:
        """The clinic's time zone (checked on load)."""
        return ZoneInfo(self.clinic["timezone"])

    @property
    def adult_age(self) -> int:
        """The clinic's treatment age: below it the minors policy applies."""
        return int(self.section("policy").get("adult_age", 18))

    @property
    def consent_valid_months(self) -> int:
        """How long a signed consent covers the further sessions of its course ([policy] consent_valid_months)."""
        return int(self.section("policy").get("consent_valid_months", 12))

    @property
    def legal_age(self) -> int:
        """The age from which a person consents for themselves (at most adult_age; checked on load)."""
        return int(self.section("policy").get("legal_age", LEGAL_AGE))

    @property
    def minors_policy(self) -> MinorsPolicy:
        """defer, clearance or allow."""
        policy: MinorsPolicy = self.section("policy").get("minors", "defer")
        return policy

    @property
    def age_policy(self) -> AgePolicy:
        """The ages and minors policy as conditions, rules, signing and documents read them."""
        return AgePolicy(self.adult_age, self.legal_age, self.minors_policy)

    @property
    def windows(self) -> Mapping[str, int]:
        """Waiting-window overrides; the rest come from the defaults in rules.json."""
        return self.section("windows")

    @property
    def limits(self) -> Mapping[str, float]:
        """Plan-limit overrides (needle depths in mm); the rest come from the defaults in rules.json."""
        return self.section("limits")

    def practitioner(self, practitioner_id: str) -> Practitioner | None:
        """Looks up a practitioner by id."""
        return next((p for p in self.practitioners if p.id == practitioner_id), None)

    # -- paths ----------------------------------------------------------------------------------

    def path(self, section: str, key: str, default: str | None = None) -> Path | None:
        """A path setting, with ~ expanded; relative paths stay relative to the working folder."""
        value = self.section(section).get(key, default)
        return Path(value).expanduser() if value else None

    @property
    def schemas_dir(self) -> Path:
        """Folder with questionnaire.json, rules.json and treatment.json."""
        return self.path("paths", "schemas") or SCHEMAS_DIR

    @property
    def templates_dir(self) -> Path:
        """Folder with the document templates."""
        return self.path("paths", "templates") or TEMPLATES_DIR

    @property
    def data_dir(self) -> Path:
        """Folder of the local record store."""
        folder = self.path("storage", "data_dir", "intake-data")
        assert folder is not None  # a default is given
        return folder


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, [FileProblem("(file)", "no such file", "check the --config path")]) from None
    except OSError as exc:
        raise DataFileError(path, [FileProblem("(file)", f"cannot be read ({exc.strerror})",
                                               "check the file's permissions")]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataFileError(path, [FileProblem("(file)", "not UTF-8 text", "save the file as UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, [FileProblem("(syntax)", str(exc),
                                               "fix the TOML syntax; strings need quotes, tables need [brackets]")]
                            ) from None


def config_path(explicit: str | Path | None = None) -> Path:
    """The config to use: --config, else $INTAKE_CONFIG, else the embedded demo clinic."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    return Path(chosen).expanduser() if chosen else DEMO_CONFIG


def load_config(explicit: str | Path | None = None) -> ClinicConfig:
    """Loads and checks the clinic configuration.

    Raises:
        DataFileError: naming the file, the TOML key path and the fix for each problem.
    """
    path = config_path(explicit)
    data = _read_toml(path)
    problems = schema_problems(data, "config.schema.json", toml=True)
    if not problems:
        try:
            ZoneInfo(data["clinic"]["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(FileProblem("clinic.timezone", f"unknown time zone {data['clinic']['timezone']!r}",
                                        "use an IANA name such as 'Europe/London' or 'America/New_York'"))
        ids = [p["id"] for p in data["practitioners"]]
        for index, pid in enumerate(ids):
            if ids.index(pid) != index:
                problems.append(FileProblem(f"practitioners[{index}].id", f"id {pid!r} is used twice",
                                            "give each practitioner their own id"))
        problems.extend(_policy_problems(data.get("policy", {})))
        problems.extend(_documents_only_problems(data["clinic"]))
    if problems:
        raise DataFileError(path, problems)
    practitioners = tuple(
        Practitioner(p["id"], p["name"], p.get("role", ""), p.get("registration", "")) for p in data["practitioners"]
    )
    return ClinicConfig(path, data, practitioners)


def _documents_only_problems(clinic: Mapping[str, Any]) -> list[FileProblem]:
    """A documents-only language must be one Babel knows, and not also a screen language."""
    screens = {clinic.get("language", "en"), *clinic.get("languages", ())}
    problems = []
    for index, code in enumerate(clinic.get("documents_only", ())):
        where = f"clinic.documents_only[{index}]"
        if code in screens:
            problems.append(FileProblem(where, f"{code!r} is also a screen language ([clinic] language or languages)",
                                        f"keep {code!r} in one of the two lists: documents_only is for a language "
                                        "whose script a terminal cannot draw"))
            continue
        try:
            locale_for(code)
        except IntakeError:
            problems.append(FileProblem(where, f"{code!r} is not a known language",
                                        "use a code such as 'ur' (Urdu) or 'ar' (Arabic)"))
    return problems


def _policy_problems(policy: Mapping[str, Any]) -> list[FileProblem]:
    """The legal age of consent may not be above the clinic's treatment age."""
    adult, legal = policy.get("adult_age", 18), policy.get("legal_age", LEGAL_AGE)
    if legal <= adult:
        return []
    where = "policy.legal_age" if "legal_age" in policy else "policy.adult_age"
    return [FileProblem(where, f"the legal age of consent ({legal}) is above adult_age ({adult}): clients of "
                        f"{adult} to {legal - 1} would be treated as adults, yet could not consent for themselves",
                        f"set adult_age to {legal} or more, or set legal_age to the age from which people consent "
                        f"for themselves where the clinic is (at most {adult})")]


def window_problems(config: ClinicConfig, windows: Mapping[str, Any]) -> list[FileProblem]:
    """Checks the [windows] overrides against the windows the rules define."""
    problems = []
    for name, value in config.windows.items():
        window = windows.get(name)
        if window is None:
            close = difflib.get_close_matches(name, list(windows), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(FileProblem(f"windows.{name}", "not a known waiting window",
                                        f"{hint}known windows: {', '.join(windows)}"))
        elif not window.min <= value <= window.max:
            problems.append(FileProblem(f"windows.{name}", f"{value} {window.unit} is outside the accepted range",
                                        f"choose between {window.min} and {window.max} {window.unit} "
                                        f"(default {window.default})"))
    return problems


def limit_problems(config: ClinicConfig, limits: Mapping[str, Any]) -> list[FileProblem]:
    """Checks the [limits] overrides against the plan limits the rules define."""
    problems = []
    for name, value in config.limits.items():
        limit = limits.get(name)
        if limit is None:
            close = difflib.get_close_matches(name, list(limits), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(FileProblem(f"limits.{name}", "not a known plan limit",
                                        f"{hint}known limits: {', '.join(limits)}"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not limit.min <= value <= limit.max:
            problems.append(FileProblem(f"limits.{name}", f"{value!r} {limit.unit} is outside the accepted range",
                                        f"choose a number between {limit.min} and {limit.max} {limit.unit} "
                                        f"(default {limit.default})"))
    return problems
