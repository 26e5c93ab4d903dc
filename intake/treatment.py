"""Provides treatment-plan defaults (needle depth per area, sessions, spacing) from schemas/treatment.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.datafile import load_data_file
from intake.errors import DataFileError, FileProblem
from intake.questionnaire import Questionnaire

AREA_QUESTION = "treatment_areas"
CONCERN_QUESTION = "concerns"


@dataclass(frozen=True)
class AreaPlan:
    """The needle-depth range for one treated area, in millimetres."""

    area: str
    depth_min: float
    depth_max: float

    def to_dict(self) -> dict[str, Any]:
        """The area plan as plain JSON data."""
        return {"area": self.area, "depth_mm": [self.depth_min, self.depth_max]}


@dataclass(frozen=True)
class TreatmentPlan:
    """A course of treatment: areas with depths, number of sessions, spacing and maintenance."""

    areas: tuple[AreaPlan, ...]
    sessions: int
    interval_weeks: int
    maintenance_months: tuple[int, int]
    downtime_days: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON data."""
        return {
            "areas": [a.to_dict() for a in self.areas],
            "sessions": self.sessions,
            "interval_weeks": self.interval_weeks,
            "maintenance_months": list(self.maintenance_months),
            "downtime_days": list(self.downtime_days),
        }


@dataclass(frozen=True)
class TreatmentDefaults:
    """The contents of treatment.json."""

    data: Mapping[str, Any]

    @property
    def version(self) -> str:
        """The file's version string."""
        return str(self.data["version"])

    def depth_range(self, area: str, concerns: Sequence[str], max_depth: float | None = None) -> AreaPlan:
        """The default depth range for an area, widened for scars and capped by cautions."""
        table = self.data["areas"][area]
        low, high = table["thin"][0], table["thick"][1]
        if area in self.data["scar_areas"] and set(concerns) & set(self.data["scar_concerns"]):
            low, high = self.data["scar_depth"]["thin"][0], self.data["scar_depth"]["thick"][1]
        if max_depth is not None:
            high = min(high, max_depth)
            low = min(low, high)
        return AreaPlan(area, low, high)

    def downtime(self, depth: float) -> tuple[float, float]:
        """Expected downtime in days for the deepest needle setting."""
        for band in self.data["downtime_days"]:
            if depth <= band["up_to_mm"]:
                return tuple(band["days"])
        return tuple(self.data["downtime_days"][-1]["days"])

    def schedule_problems(self, sessions: float | None, interval: float | None,
                          plan_limits: Mapping[str, Any]) -> list[str]:
        """What is wrong with a plan's number of sessions and weeks between them (none: both are allowed): each
        within treatment.json's range, the weeks at least a finding's `min_interval_weeks`."""
        problems = []
        sessions_range, interval_range = self.data["sessions"], self.data["interval_weeks"]
        if sessions is None or not sessions_range["min"] <= sessions <= sessions_range["max"]:
            problems.append(f"Sessions: choose {sessions_range['min']} to {sessions_range['max']}.")
        least = max(interval_range["min"], plan_limits.get("min_interval_weeks", 0))
        most = max(interval_range["max"], least)
        if interval is None or not least <= interval <= most:
            problems.append(f"Weeks between sessions: choose {least} to {most}.")
        return problems

    def default_plan(self, answers: Mapping[str, Any], plan_limits: Mapping[str, Any]) -> TreatmentPlan:
        """The starting plan for a client, which the practitioner confirms or changes."""
        concerns = answers.get(CONCERN_QUESTION) or []
        areas = tuple(
            self.depth_range(area, concerns, plan_limits.get("max_depth_mm"))
            for area in answers.get(AREA_QUESTION) or []
        )
        interval = max(self.data["interval_weeks"].get("default", self.data["interval_weeks"]["min"]),
                       plan_limits.get("min_interval_weeks", 0))
        deepest = max((a.depth_max for a in areas), default=0.25)
        maintenance = self.data["maintenance_months"]
        return TreatmentPlan(areas, self.data["sessions"]["default"], interval,
                             (maintenance["min"], maintenance["max"]), self.downtime(deepest))


def load_treatment(path: Path, questionnaire: Questionnaire) -> TreatmentDefaults:
    """Loads treatment.json and checks that it covers every area the questionnaire offers."""
    data = load_data_file(path, "treatment.schema.json")
    problems = []
    areas_q = questionnaire.by_id.get(AREA_QUESTION)
    concerns_q = questionnaire.by_id.get(CONCERN_QUESTION)
    if areas_q is None or concerns_q is None:
        problems.append(FileProblem("$", f"the questionnaire needs {AREA_QUESTION!r} and {CONCERN_QUESTION!r}",
                                    "add those multi-choice questions to questionnaire.json"))
    else:
        for option in areas_q.options:
            if option.id not in data["areas"]:
                problems.append(FileProblem("$.areas", f"no needle depths for area {option.id!r}",
                                            f"add \"{option.id}\": {{\"thin\": [min, max], \"thick\": [min, max]}}"))
        for concern in data["scar_concerns"]:
            if concerns_q.option(concern) is None:
                problems.append(FileProblem("$.scar_concerns", f"{concern!r} is not a concern in the questionnaire",
                                            "use option ids of the 'concerns' question"))
    for area in data["scar_areas"]:
        if area not in data["areas"]:
            problems.append(FileProblem("$.scar_areas", f"{area!r} is not in 'areas'", "use an area listed in 'areas'"))
    for name, table in data["areas"].items():
        for kind in ("thin", "thick"):
            low, high = table[kind]
            if low > high:
                problems.append(FileProblem(f"$.areas.{name}.{kind}", f"{low} is larger than {high}",
                                            "write the range as [smallest, largest]"))
    if problems:
        raise DataFileError(path, problems)
    return TreatmentDefaults(data)
