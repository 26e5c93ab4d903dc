"""Provides the Engine: configuration, questionnaire, rules and validators loaded once, for every front end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake import conditions
from intake.assessment import Assessment, Assessor
from intake.config import ClinicConfig, limit_problems, load_config, window_problems
from intake.errors import DataFileError, InvalidRecordError
from intake.questionnaire import Questionnaire, load_questionnaire
from intake.recordschema import RECORD_FORMAT, build_record_schema
from intake.rules import RuleSet, load_rules
from intake.textcheck import MissingTextsError, missing_texts
from intake.treatment import TreatmentDefaults, TreatmentPlan, load_treatment
from intake.validation import Problem, RecordValidator

if TYPE_CHECKING:
    from intake.course.rescreen import Rescreen


@dataclass
class Engine:
    """Everything a front end needs to validate and assess intakes for one clinic."""

    config: ClinicConfig
    questionnaire: Questionnaire
    rules: RuleSet
    treatment: TreatmentDefaults

    @classmethod
    def load(cls, config: str | Path | ClinicConfig | None = None) -> Engine:
        """Loads the clinic configuration (default: $INTAKE_CONFIG or the demo clinic) and its data files.

        Raises:
            DataFileError: any data file or the configuration is malformed.
            MissingTextsError: a data file lacks a text in a language the clinic offers.
        """
        if not isinstance(config, ClinicConfig):
            config = load_config(config)
        schemas = config.schemas_dir
        questionnaire = load_questionnaire(schemas / "questionnaire.json").for_minors_policy(config.minors_policy)
        rules = load_rules(schemas / "rules.json", questionnaire)
        treatment = load_treatment(schemas / "treatment.json", questionnaire)
        problems = window_problems(config, rules.windows) + limit_problems(config, rules.limits)
        settings = [("clinic.language", config.language)]
        settings += [(f"clinic.languages[{i}]", code) for i, code in enumerate(config.clinic.get("languages", ()))]
        for where, language in settings:
            if language not in questionnaire.languages:
                from intake.errors import FileProblem

                problems.append(FileProblem(where, f"the questionnaire has no {language!r} text",
                                            f"use one of: {', '.join(questionnaire.languages)}"))
        if problems:
            raise DataFileError(config.source, problems)
        missing = missing_texts(config)
        if missing:
            raise MissingTextsError(missing)
        return cls(config, questionnaire, rules, treatment)

    @property
    def language(self) -> str:
        """The clinic's language for client-facing text."""
        return self.config.language

    @cached_property
    def record_schema(self) -> dict[str, Any]:
        """The JSON Schema of a completed record (generated once)."""
        return build_record_schema(self.questionnaire)

    @cached_property
    def validator(self) -> RecordValidator:
        """The record validator (built once)."""
        return RecordValidator(self.questionnaire, self.record_schema, self.language, self.config.age_policy)

    def validator_in(self, language: str) -> RecordValidator:
        """The record validator whose messages to clients are in a language (built once per language)."""
        if language == self.language:
            return self.validator
        if language not in self._validators:
            self._validators[language] = RecordValidator(self.questionnaire, self.record_schema, language,
                                                         self.config.age_policy)
        return self._validators[language]

    @cached_property
    def _validators(self) -> dict[str, RecordValidator]:
        """The validators made for the client's other languages."""
        return {}

    @cached_property
    def _assessors(self) -> dict[str, Assessor]:
        """The assessors made for the client's other languages."""
        return {}

    @cached_property
    def assessor(self) -> Assessor:
        """The assessor with the clinic's windows and policy."""
        return Assessor(self.questionnaire, self.rules, self.config.windows, self.config.age_policy, self.language,
                        self.config.limits)

    @cached_property
    def rescreen(self) -> Rescreen:
        """The re-screen before a further session of a course (schemas/rescreen.json), loaded on first use.

        Raises:
            DataFileError: the file, or what it refers to in the questionnaire and rules, is malformed.
        """
        from intake.course.rescreen import load_rescreen

        return load_rescreen(self.config.schemas_dir, self.config.minors_policy)

    def assessor_in(self, language: str) -> Assessor:
        """An assessor whose messages (findings, aftercare) are in a language: what a client reading it is told."""
        if language == self.language:
            return self.assessor
        if language not in self._assessors:
            self._assessors[language] = Assessor(self.questionnaire, self.rules, self.config.windows,
                                                 self.config.age_policy, language, self.config.limits)
        return self._assessors[language]

    def facts(self, answers: Mapping[str, Any], consultation_date: str) -> dict[str, Any]:
        """The derived facts for show-if conditions on the client's age and the clinic's minors policy; pass them to
        questionnaire.visible/prune."""
        return conditions.facts_for(answers, consultation_date, self.config.age_policy)

    def validate(self, record: Any) -> list[Problem]:
        """Lists every problem of a record; empty when it is complete and valid."""
        return self.validator.problems(record)

    def assess(self, record: Any) -> Assessment:
        """Validates and assesses a record.

        Raises:
            InvalidRecordError: with every problem, when the record is not valid.
        """
        problems = self.validate(record)
        if problems:
            raise InvalidRecordError(problems)
        return self.assessor.assess(record)

    def default_plan(self, record: Mapping[str, Any], assessment: Assessment) -> TreatmentPlan:
        """The starting treatment plan for a valid record."""
        return self.treatment.default_plan(self.questionnaire.prune(record["answers"]), assessment.plan_limits)

    def offered_language(self, language: str | None) -> str:
        """The language a client chose, checked against those the clinic offers; the clinic's own for None.

        Raises:
            IntakeError: the clinic does not offer the language (the message names those it offers).
        """
        if language is None:
            return self.language
        if language not in self.config.languages:
            from intake.errors import IntakeError

            raise IntakeError(f"This clinic does not offer the language {language!r}: choose one of "
                              f"{', '.join(self.config.languages)}.")
        return language

    def offered_documents_language(self, language: str | None) -> str | None:
        """The language a client chose for their documents, checked against those the clinic offers for documents
        (its screen languages and [clinic] documents_only); None (the screen language's) for None.

        Raises:
            IntakeError: the clinic does not offer the language (the message names those it offers).
        """
        if language is None or language in self.config.document_languages:
            return language
        from intake.errors import IntakeError

        raise IntakeError(f"This clinic does not offer documents in {language!r}: choose one of "
                          f"{', '.join(self.config.document_languages)}.")

    def documents_language(self, record: Mapping[str, Any]) -> str:
        """The language a record's documents are in: the one chosen for them, else the client's, else the
        clinic's."""
        return str(record.get("documents_language") or record.get("language") or self.language)

    def new_record(self, consultation_date: str, answers: Mapping[str, Any] | None = None,
                   record_id: str | None = None, language: str | None = None,
                   documents_language: str | None = None) -> dict[str, Any]:
        """A record skeleton in the published format, in the client's language (the clinic's unless given); the
        documents' language is kept only when it differs from it."""
        record: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "questionnaire_version": self.questionnaire.version,
            "consultation_date": consultation_date,
            "language": language or self.language,
            "answers": dict(answers or {}),
        }
        if documents_language and documents_language != record["language"]:
            record["documents_language"] = documents_language
        if record_id:
            record["record_id"] = record_id
        return record
