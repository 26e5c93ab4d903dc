"""Provides plain-text formatting of problems and assessments for the terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from intake.dates import human_date
from intake.verdicts import verdict_text


def print_json(data: Any) -> None:
    """Writes JSON to standard output."""
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def format_problems(source: str, problems: Sequence[Any]) -> str:
    """Lists validation problems, one per line."""
    count = len(problems)
    lines = [f"INVALID {source}: {count} problem{'s' if count != 1 else ''}"]
    lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


def format_assessment(source: str, assessment: Any, name: str = "") -> str:
    """Describes an assessment for staff."""
    who = f" for {name}" if name else ""
    lines = [
        f"{source}: suitability{who} as of {human_date(assessment.consultation_date)}",
        f"Verdict: {verdict_text(assessment)}",
    ]
    if assessment.return_date and assessment.verdict in ("defer", "clearance"):
        suffix = " (and any approval noted below)" if assessment.open_ended else ""
        lines.append(f"Earliest date: {human_date(assessment.return_date)}{suffix}")
    if not assessment.findings:
        lines.append("No findings.")
    for finding in assessment.findings:
        lines.append(f"  [{finding.severity}] {finding.practitioner_message}")
        if finding.question_label:
            lines.append(f"      because: {finding.question_label} -> {finding.answer}")
        if finding.until:
            lines.append(f"      until: {human_date(finding.until)}")
    if assessment.plan_limits:
        units = {"max_depth_mm": ("maximum needle depth", "mm"), "min_interval_weeks": ("at least", "weeks apart")}
        limits = ", ".join(f"{units.get(k, (k, ''))[0]} {v} {units.get(k, ('', ''))[1]}".strip()
                           for k, v in assessment.plan_limits.items())
        lines.append(f"Plan limits: {limits}")
    for text in assessment.aftercare:
        lines.append(f"Aftercare addition: {text}")
    return "\n".join(lines)
