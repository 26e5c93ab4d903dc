"""Provides PlanEditor: the practitioner's treatment plan (areas, needle depth, sessions), defaulted by the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Checkbox, Input, Label

from intake.treatment import AreaPlan, TreatmentDefaults, TreatmentPlan
from intake.tui.widgets.textbox import TextBox

NUMBER = r"[0-9.]*"
#: The widest needle range any plan may use, in millimetres.
DEPTH_BOUNDS = (0.1, 3.0)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class PlanEditor(Vertical):
    """Edits a TreatmentPlan; `read()` returns the plan or the problems with what was typed.

    Args:
        plan: the default plan from the rules.
        area_labels: area id to the label the client saw.
        treatment: the treatment defaults (session and interval ranges, downtime by depth).
        limits: the assessment's plan limits (max_depth_mm, min_interval_weeks).
    """

    DEFAULT_CSS = """
    PlanEditor { height: auto; }
    PlanEditor .plan-row { height: auto; }
    PlanEditor .plan-row > Checkbox { width: 30; }
    PlanEditor .plan-row > Label { padding: 1 1; }
    PlanEditor .plan-row > Input { width: 10; }
    PlanEditor .plan-row > .plan-name { width: 30; }
    """

    def __init__(self, plan: TreatmentPlan, area_labels: Mapping[str, str], treatment: TreatmentDefaults,
                 limits: Mapping[str, Any]) -> None:
        super().__init__(id="plan")
        self.plan = plan
        self.area_labels = area_labels
        self.treatment = treatment
        self.limits = limits

    def compose(self) -> ComposeResult:
        for area in self.plan.areas:
            with Horizontal(classes="plan-row"):
                yield Checkbox(Content(self.area_labels.get(area.area, area.area)), True, id=f"use-{area.area}")
                yield TextBox(f"{area.depth_min:g}", restrict=NUMBER, max_length=5, id=f"min-{area.area}")
                yield Label("to")
                yield TextBox(f"{area.depth_max:g}", restrict=NUMBER, max_length=5, id=f"max-{area.area}")
                yield Label("mm")
        sessions, interval = self.treatment.data["sessions"], self.treatment.data["interval_weeks"]
        with Horizontal(classes="plan-row"):
            yield Label(f"Sessions ({sessions['min']}–{sessions['max']})", classes="plan-name")
            yield TextBox(str(self.plan.sessions), restrict=r"[0-9]*", max_length=2, id="sessions")
        with Horizontal(classes="plan-row"):
            yield Label(f"Weeks between sessions ({interval['min']}–{interval['max']})", classes="plan-name")
            yield TextBox(str(self.plan.interval_weeks), restrict=r"[0-9]*", max_length=2, id="interval")

    def read(self) -> tuple[TreatmentPlan | None, list[str]]:
        """The plan as edited, or None with every problem found."""
        problems: list[str] = []
        areas = []
        low_bound, high_bound = DEPTH_BOUNDS
        cap = self.limits.get("max_depth_mm")
        for area in self.plan.areas:
            if not self.query_one(f"#use-{area.area}", Checkbox).value:
                continue
            name = self.area_labels.get(area.area, area.area)
            low = _number(self.query_one(f"#min-{area.area}", Input).value)
            high = _number(self.query_one(f"#max-{area.area}", Input).value)
            if low is None or high is None or not low_bound <= low <= high <= high_bound:
                problems.append(f"{name}: depth must be two numbers from {low_bound} to {high_bound} mm, "
                                "smallest first.")
            elif cap is not None and high > cap:
                problems.append(f"{name}: the findings limit the depth to {cap:g} mm.")
            else:
                areas.append(AreaPlan(area.area, low, high))
        if self.plan.areas and not areas:
            problems.append("Choose at least one area to treat.")
        sessions = _number(self.query_one("#sessions", Input).value)
        interval = _number(self.query_one("#interval", Input).value)
        problems += self.treatment.schedule_problems(sessions, interval, self.limits)
        if problems or sessions is None or interval is None:  # a missing number is already a problem
            return None, problems
        deepest = max((a.depth_max for a in areas), default=0.25)
        return TreatmentPlan(tuple(areas), int(sessions), int(interval), self.plan.maintenance_months,
                             self.treatment.downtime(deepest)), []
