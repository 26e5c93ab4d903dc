"""Provides TreatmentScreen: the practitioner's record of a session, beside the earlier sessions and today's
changes; every refusal shown under its part, nothing kept until the record passes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Select, Static

from intake.course.course import TreatmentRecordError
from intake.datetyping import TYPING, how_to_type, show_date
from intake.lifecycle.treatment_form import (
    CLEARANCE_LABEL,
    DATE_FIELDS,
    LABELS,
    NOTHING_REPORTED,
    TEXT_FIELDS,
    TreatmentContext,
    area_label,
    place_problems,
    read_typed,
)
from intake.tui.problems import explain
from intake.tui.screens.base import WizardScreen, header
from intake.tui.widgets.textbox import TextBox


class NoneBox(Checkbox):
    """An explicit "None" tick: Space ticks it; Enter goes on to the next part and never ticks (as on the signature's
    statement), so Enter through the record cannot say "no adverse events" for the practitioner."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle", show=False),
                                             Binding("enter", "app.focus_next", "Next", show=False)]


class TreatmentScreen(WizardScreen[Any]):
    """The treatment record. Dismisses what `keep` returned (the record was kept), or None (cancelled).

    Args:
        clinic: the clinic's name.
        shown: what the screen shows and prefills (intake.lifecycle.treatment_form.context).
        order: the clinic's date order.
        keep: keeps the record, with the practitioner chosen on screen or None (raises TreatmentRecordError
            listing every problem, or another IntakeError).
        practitioners: (id, name) of the clinic's practitioners, for the staff to say who is treating when they
            unlocked with the clinic's shared PIN; None when a practitioner unlocked with their own (it is them).
    """

    IDLE = "lock"

    def __init__(self, clinic: str, shown: TreatmentContext, order: str,
                 keep: Callable[[dict[str, Any], str | None], Any],
                 practitioners: Sequence[tuple[str, str]] | None = None) -> None:
        super().__init__(classes="staff")
        self.clinic = clinic
        self.shown = shown
        self.order = order
        self.keep = keep
        self.practitioners = practitioners

    def compose(self) -> ComposeResult:
        shown = self.shown
        yield from header(self.clinic, title="Treatment record")
        with VerticalScroll(id="staff-body", can_focus=False):
            yield Static(Content(shown.heading), classes="screen-title")
            yield Static("Earlier sessions", classes="info-heading")
            for line in shown.earlier:
                yield Static(Content(line))
            yield Static("Reported today", classes="info-heading")
            for line in shown.reported or (NOTHING_REPORTED,):
                yield Static(Content(line), classes="finding sev-defer" if shown.reported else "")
            if self.practitioners is not None:
                yield Static("Who is treating?", classes="info-heading")
                only = self.practitioners[0][0] if len(self.practitioners) == 1 else Select.NULL
                yield Select([(Content(name), pid) for pid, name in self.practitioners], value=only,
                             prompt="Choose the practitioner", id="practitioner")
                yield Static("", id="p-practitioner", classes="treatment-problem")
            yield Static("Areas treated: depth in mm", classes="info-heading")
            for area, depth in shown.depths.items():
                yield Static(Content(area_label(area, shown)))
                yield TextBox(f"{depth:g}", id=f"depth-{area}", restrict=r"[0-9.]*", max_length=5)
                yield Static("", id=f"p-depth-{area}", classes="treatment-problem")
            if shown.clearance:
                yield Static(Content(CLEARANCE_LABEL))
                yield TextBox("", id="clearance_note", max_length=2000)
                yield Static("", id="p-clearance_note", classes="treatment-problem")
            for key in TEXT_FIELDS:
                yield Static(Content(LABELS[key]))
                if key == "adverse_events":
                    yield NoneBox("None", id="adverse-none")
                value = self.shown.prefill.get(key, "")
                if key in DATE_FIELDS:
                    yield TextBox(show_date(value, self.order) if value else "", id=key, restrict=TYPING,
                                  placeholder=how_to_type(self.order), max_length=24)
                else:
                    yield TextBox(value, id=key, max_length=2000, restrict=r"[0-9]*" if key == "needles" else None,
                                  placeholder="or describe them" if key == "adverse_events" else "")
                yield Static("", id=f"p-{key}", classes="treatment-problem")
            yield Static("", id="p-areas", classes="treatment-problem")
        with Horizontal(classes="navbar"):
            yield Button("Cancel", id="cancel")
            yield Button("Keep the record", id="keep", variant="primary")

    def on_mount(self) -> None:
        self.query("#staff-body Select, #staff-body Input").first().focus()  # the first part, from the top

    def typed(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The record as typed, and the dates typed that cannot be read in the clinic's order (each with how to type
        it): intake.lifecycle.treatment_form.read_typed."""
        return read_typed(
            self.shown, {area: self.query_one(f"#depth-{area}", Input).value for area in self.shown.depths},
            {key: self.query_one(f"#{key}", Input).value for key in TEXT_FIELDS}, self.order,
            no_adverse_events=self.query_one("#adverse-none", Checkbox).value,
            clearance_note=self.query_one("#clearance_note", Input).value if self.shown.clearance else "")

    def show_problems(self, placed: Mapping[str, list[str]]) -> None:
        """Each problem under its part; the first part with one takes the focus."""
        first = None
        for shown in self.query(".treatment-problem").results(Static):
            key = (shown.id or "").removeprefix("p-")
            found = placed.get(key, [])
            shown.update(Content("; ".join(found)))
            if found and first is None and key != "areas":
                first = key
        if first is not None:
            self.query_one(f"#{first}").focus()

    @on(Checkbox.Changed, "#adverse-none")
    def _none(self, event: Checkbox.Changed) -> None:
        box = self.query_one("#adverse_events", Input)
        box.disabled = event.value
        if event.value:
            box.value = ""

    @on(Input.Submitted)
    def _next_part(self, event: Input.Submitted) -> None:
        if event.input.id == "next_session_from":
            self._keep()
        else:
            self.focus_next()

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        chosen = None
        if self.practitioners is not None:
            value = self.query_one("#practitioner", Select).value
            if not isinstance(value, str):
                self.show_problems({"practitioner": ["Choose the practitioner who is treating."]})
                return
            chosen = value
        given, unreadable = self.typed()
        if unreadable:  # said in the clinic's order, not the stored one
            self.show_problems(unreadable)
            return
        try:
            kept = self.keep(given, chosen)
        except TreatmentRecordError as exc:
            self.show_problems(place_problems(exc.problems, list(self.shown.depths)))
            return
        except Exception as exc:  # noqa: BLE001 - shown to staff, never a traceback
            self.show_problems({"areas": [explain(exc)]})
            return
        self.dismiss(kept)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
