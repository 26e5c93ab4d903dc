"""Provides the practitioner's treatment record and its countersignature at plain prompts.

`intake ask` offers it once the consultation is countersigned (today's treatment is session 1 of the course),
and `intake ask --visit` once a re-screened visit is ready. What is asked, prefilled and refused is the one
definition the wizard's treatment screen shows (intake.lifecycle.treatment_form); the record is kept only once
it passes (Visits.record / record_first), and the countersignature takes the practitioner's PIN again, as on the
kiosk. A value carried over from the last session is offered to keep with its key, never kept unasked; "no
adverse events" is a choice of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intake.course.course import TreatmentRecordError
from intake.datetyping import date_order, how_to_type, show_date
from intake.errors import IntakeError
from intake.lifecycle.treatment_form import (
    CLEARANCE_LABEL,
    DATE_FIELDS,
    FIRST_SESSION,
    LABELS,
    NOT_TREATED,
    NOTHING_REPORTED,
    TEXT_FIELDS,
    TreatmentContext,
    area_label,
    context,
    first_session_heading,
    first_visit,
    place_problems,
    read_typed,
)
from intake.lifecycle.visits import ENDING_UNTREATED
from intake.prompt.keyed import labelled
from intake.prompt.prompter import Kept, typed_text
from intake.prompt.staffpin import proved

if TYPE_CHECKING:
    from pathlib import Path

    from intake.lifecycle.auth import Authenticated
    from intake.lifecycle.visits import SessionDocuments, Visits
    from intake.prompt.prompter import Prompter
    from intake.records.model import Visit

class AskTreatment:
    """One session's treatment record and countersignature at plain prompts.

    Args:
        visits: the clinic's sessions.
        prompter: where it is asked (staff read it).
        device: this terminal's name, for the audit trail.
        out_dir: where the session's sealed documents go (None: the clinic's documents folder).
    """

    def __init__(self, visits: Visits, prompter: Prompter, device: str, out_dir: Path | None = None) -> None:
        self.visits = visits
        self.prompter = prompter
        self.device = device
        self.out_dir = out_dir
        self.order = date_order(visits.config)

    # -- who ----------------------------------------------------------------------------------------

    def practitioner(self, purpose: str) -> Authenticated | None:
        """The practitioner at the device, proved by their PIN for `purpose` ('treat', 'countersign'); None after
        PIN_TRIES. With the clinic's shared PIN it proves someone on the staff: the act itself is then done as the
        practitioner chosen (`treating`) or named by the record, and the core refuses anyone else."""
        doing = "record the treatment" if purpose == "treat" else "countersign"
        return proved(self.prompter, self.visits.life, "unlock", self.device, key="practitioner_pin",
                      message=f"Practitioner: your PIN or passphrase to {doing} (it is not shown)",
                      practitioners_only="records a treatment and countersigns it")

    def treating(self, who: Authenticated) -> str | None:
        """Who is treating: the practitioner's own account, or (the clinic's shared PIN) the one chosen; None when
        it is the person proved (their own account)."""
        if who.practitioner_id:
            return None
        people = [(p.id, p.listed) for p in self.visits.config.practitioners]
        return str(self.prompter.choose("treating", "Who is treating?", labelled(people)))

    # -- session 1, on the consultation's day ------------------------------------------------------

    def offer_first(self, course_id: str, who: Authenticated) -> SessionDocuments | None:
        """Once the consultation is countersigned: was the client treated today? Records session 1 and offers its
        countersignature, or says plainly that nothing is recorded."""
        self.prompter.say("\n" + first_session_heading(self.visits, course_id))
        self.prompter.say(FIRST_SESSION)
        chosen = self.prompter.choose("first_session", "Was the client treated today?", labelled([
            ("treatment", "Record today's treatment (session 1)"), ("not_treated", "Not treated today")]))
        if chosen != "treatment":
            self.prompter.say(NOT_TREATED)
            return None
        return self.record_and_countersign(first_visit(self.visits, course_id), who, first=True)

    def offer_visit(self, visit: Visit, staff: Authenticated | None = None) -> SessionDocuments | None:
        """A re-screened visit ready for treatment: its record now (the practitioner's PIN), or later; or, when
        `staff` proved who they are, ending it without treatment with the reason (the client left, or the
        practitioner decided not to treat)."""
        if visit.status != "ready":
            return None
        choices = [("now", "Record the treatment now (practitioner's PIN)"), ("later", "Later")]
        if staff is not None:
            choices.append(("end", "Not treated: end this visit (give the reason)"))
        now = self.prompter.choose("treat_now", f"What now for visit {visit.visit_id}?", labelled(choices))
        if now == "end" and staff is not None:
            self.end_untreated(visit, staff)
            return None
        if now != "now":
            self.prompter.say(f"The visit waits for its record: `intake records visit record {visit.visit_id}` "
                              "keeps it.")
            return None
        return self.record_and_countersign(visit, None)

    def finish(self, visit: Visit, staff: Authenticated | None = None) -> SessionDocuments | None:
        """A visit re-screened earlier and not finished: its treatment record now or its end without treatment
        (when ready: `offer_visit`), or its countersignature (when recorded)."""
        if visit.status == "recorded":
            return self.countersign(visit)
        return self.offer_visit(visit, staff)

    def end_untreated(self, visit: Visit, staff: Authenticated) -> Visit:
        """Ends the visit without treatment, as `staff`, with the reason they type (checked by the core)."""
        self.prompter.say(ENDING_UNTREATED)

        def check(typed: str) -> bool | str:
            try:
                self.visits.check_untreated_reason(typed)
            except IntakeError as exc:
                return f"{str(exc)[0].upper()}{str(exc)[1:]}"
            return True

        reason = typed_text(self.prompter, "end_reason", "Reason, e.g. the client had to leave", validate=check)
        ended = self.visits.end_untreated(visit.visit_id, staff, reason)
        self.prompter.say(f"Visit {ended.visit_id} ended without treatment; the client's next visit can start.")
        return ended

    # -- the record ---------------------------------------------------------------------------------

    def record_and_countersign(self, visit: Visit, who: Authenticated | None, *,
                               first: bool = False) -> SessionDocuments | None:
        """The treatment record of `visit` (`first`: session 1, not stored yet), kept once it passes, then its
        countersignature now or later. `who`: the practitioner already proved, or None to ask their PIN."""
        who = who or self.practitioner("treat")
        if who is None:
            self.prompter.say("Not unlocked: no treatment is recorded.")
            return None
        name = (self.visits.store.client_identity(visit.client_id) or {}).get("full_name", "(no name)")
        shown = context(self.visits, visit, name)
        self._show(shown)
        kept = self._record(shown, visit, who, self.treating(who), first)
        return self.countersign(kept) if kept is not None else None

    def _show(self, shown: TreatmentContext) -> None:
        say = self.prompter.say
        say(f"\nTreatment record: {shown.heading}")
        say("Earlier sessions:")
        for line in shown.earlier:
            say(f"  {line}")
        say("Reported today:")
        for line in shown.reported or (NOTHING_REPORTED,):
            say(f"  {line}")

    def _record(self, shown: TreatmentContext, visit: Visit, who: Authenticated, treating: str | None,
                first: bool) -> Visit | None:
        """Asks every part, then again the parts refused, until the record is kept (None: the practitioner
        stopped, and nothing is recorded)."""
        depths = {area: f"{depth:g}" for area, depth in shown.depths.items()}
        parts = {key: show_date(value, self.order) if key in DATE_FIELDS else value
                 for key, value in shown.prefill.items()}
        extra: dict[str, Any] = {"none": False, "clearance": ""}
        asking = [f"depth-{area}" for area in shown.depths] + (["clearance_note"] if shown.clearance else []) \
            + list(TEXT_FIELDS)
        while True:
            for part in asking:
                self._ask(part, shown, depths, parts, extra)
            given, unreadable = read_typed(shown, depths, parts, self.order, no_adverse_events=extra["none"],
                                           clearance_note=extra["clearance"])
            problems = unreadable
            if not problems:
                try:
                    if first:
                        return self.visits.record_first(visit.course_id, who, given, practitioner_id=treating)
                    return self.visits.record(visit.visit_id, who, given, practitioner_id=treating)
                except TreatmentRecordError as exc:
                    problems = place_problems(exc.problems, list(shown.depths))
            said = "\n".join(f"  {problem}" for found in problems.values() for problem in found)
            if self.prompter.choose("record_again", f"\nNot kept yet:\n{said}", labelled([
                    ("again", "Correct these parts"), ("stop", "Stop: nothing is recorded")])) == "stop":
                self.prompter.say("No treatment is recorded.")
                return None
            asking = [part for part in [f"depth-{a}" for a in shown.depths] + ["clearance_note", *TEXT_FIELDS]
                      if part in problems] or asking  # a refusal of the whole record: every part again

    def _ask(self, part: str, shown: TreatmentContext, depths: dict[str, str], parts: dict[str, str],
             extra: dict[str, Any]) -> None:
        """Asks one part of the record, offering what it holds (prefilled or typed before) to keep."""
        if part.startswith("depth-"):
            area = part.removeprefix("depth-")
            depths[area] = self._typed(part, f"{area_label(area, shown)}: depth in mm", depths.get(area, ""))
        elif part == "clearance_note":
            extra["clearance"] = self._typed(part, CLEARANCE_LABEL, extra["clearance"])
        elif part == "adverse_events":
            extra["none"] = self.prompter.choose("adverse_none", f"{LABELS[part]}?", labelled([
                (True, "None"), (False, "There were some: describe them")])) is True
            parts[part] = "" if extra["none"] else self._typed(part, LABELS[part], parts.get(part, ""))
        else:
            hint = how_to_type(self.order) if part in DATE_FIELDS else None
            parts[part] = self._typed(part, LABELS[part] + (f" ({hint})" if hint else ""), parts.get(part, ""))

    def _typed(self, key: str, message: str, held: str) -> str:
        answer = self.prompter.text(key, message, keep=held or None)
        return held if isinstance(answer, Kept) else answer

    # -- the countersignature -----------------------------------------------------------------------

    def countersign(self, kept: Visit) -> SessionDocuments | None:
        """Countersigns the recorded session with the practitioner's PIN, now or later (`intake records visit
        countersign`); the sealed session record and aftercare sheet are written."""
        treated_by = self.visits.config.practitioner(kept.practitioner_id or "")
        self.prompter.say(f"\nSession {kept.number} is recorded (visit {kept.visit_id}).")
        now = self.prompter.choose("countersign_now", f"{treated_by.name if treated_by else 'Practitioner'}: "
                                   "countersign the session now?", labelled([
                                       ("now", "Countersign now (your PIN)"), ("later", "Later")]))
        if now == "now":
            who = self.practitioner("countersign")
            if who is not None:
                try:
                    done = self.visits.countersign(kept.visit_id, who, out_dir=self.out_dir,
                                                   practitioner_id=None if who.practitioner_id
                                                   else kept.practitioner_id)
                except IntakeError as exc:
                    self.prompter.say(f"Not countersigned: {exc}")
                else:
                    self.prompter.say(f"Session {kept.number} is recorded and countersigned. Its sealed record and "
                                      f"aftercare sheet:")
                    for path in done.paths:
                        self.prompter.say(f"  {path}")
                    return done
        self.prompter.say(f"The record is kept; countersign it later with `intake records visit countersign "
                          f"{kept.visit_id}`.")
        return None
