"""Provides the wording of each verdict: one definition for the command line, the wizard and `intake ask`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from intake.i18n import N_

if TYPE_CHECKING:
    from intake.assessment import Assessment

#: The suitability verdicts, mildest first (the worst finding's severity is the verdict).
Verdict = Literal["suitable", "caution", "clearance", "defer"]
VERDICT_ORDER: tuple[Verdict, ...] = get_args(Verdict)


@dataclass(frozen=True)
class VerdictWording:
    """How one verdict is put to staff and to the client.

    Attributes:
        label: a short label for staff screens ("Suitable with care (plan adjusted)").
        line: one line for staff in a terminal, with the verdict in capitals.
        client: what the client is told, kindly and without jargon.
    """

    label: str
    line: str
    client: str


VERDICTS: dict[Verdict, VerdictWording] = {
    "suitable": VerdictWording(
        "Suitable",
        "SUITABLE - no screening concerns",
        N_("Good news: nothing in your answers stops us treating you.")),
    "caution": VerdictWording(
        "Suitable with care (plan adjusted)",
        "CAUTION - suitable with an adjusted plan",
        N_("You can be treated; your practitioner will adjust the plan to suit your skin.")),
    "clearance": VerdictWording(
        "Needs clearance or a waiting period before treatment",
        "CLEARANCE NEEDED - a doctor's approval or a waiting period comes first",
        N_("Before we can treat you, we need a doctor's approval or a little more time.")),
    "defer": VerdictWording(
        "Defer: do not treat",
        "DEFER - do not treat today",
        N_("We can't treat you today. This is about keeping you safe; your practitioner will talk it through "
           "with you.")),
}


def wording(verdict: str) -> VerdictWording:
    """The wording of a verdict (an unknown verdict is shown as it is, never hidden)."""
    found = next((w for v, w in VERDICTS.items() if v == verdict), None)
    if found is None:
        return VerdictWording(verdict, verdict.upper(), verdict)
    return found


#: What a CLEARANCE finding needs first (Finding.needs), in words.
NEEDS_WORDS = {"guardian": "a parent's or guardian's consent", "review": "the practitioner's review",
               "approval": "an approval or check", "wait": "a waiting period"}


def verdict_text(assessment: Assessment) -> str:
    """The verdict in one line for staff; for a CLEARANCE, what its findings need first.

    For example "CLEARANCE NEEDED - a parent's or guardian's consent comes first".
    """
    if assessment.verdict != "clearance":
        return wording(assessment.verdict).line
    needs = [NEEDS_WORDS[n] for n in NEEDS_WORDS if any(f.needs == n for f in assessment.findings)]
    if not needs:
        return wording("clearance").line
    joined = needs[0] if len(needs) == 1 else ", ".join(needs[:-1]) + " and " + needs[-1]
    return f"CLEARANCE NEEDED - {joined} {'comes' if len(needs) == 1 else 'come'} first"
