"""Provides the intake lifecycle: one definition of an intake's life for every front end and the CLI.

Public API::

    from intake.lifecycle import Lifecycle, Actor, Intake, ClientSignatures, Resumption, device_name

    life = Lifecycle(engine, store, renderer=None | PacketRenderer | factory, clock=None)
    intake = life.begin(Actor("kiosk", device_name(config)), prefill=None)
    life.save_step(intake, step, working_answers, next_step_id, actor, partial=False)
    life.submit(intake, actor) -> Assessment                 # validated, assessed, stored once
    life.sign(intake, ClientSignatures(consent, photo), actor)  # kept until the countersignature
    life.decide(intake, practitioner_id, "clearance_noted" | "override", reason, actor)
    counter = life.countersignature(intake, practitioner_id, plan, signed_at)  # decision from the store
    expected = life.expected_countersignature(intake, practitioner_id, decision, reason, plan, at)  # no store
    life.prepare(intake, expected)                           # worker thread: lay the documents out ahead
    packet = life.render(intake, counter)                    # worker thread; a deferral gets its letter
    life.keep_documents(intake, packet, actor) -> [Path]
    life.resume(intake_id) -> Resumption(stage in STAGES, intake, step_index)
    life.import_record(record, actor) -> Intake              # an answers file, submitted
"""

from intake.lifecycle.core import Lifecycle
from intake.lifecycle.model import (
    STAGES,
    Actor,
    ClientSignatures,
    Intake,
    LifecycleError,
    Renderer,
    Resumption,
    Stage,
    device_name,
    document_time,
    kept_signatures,
)
from intake.lifecycle.seal import ensure_seal

__all__ = ["STAGES", "Actor", "ClientSignatures", "Intake", "Lifecycle", "LifecycleError", "Renderer", "Resumption",
           "Stage", "device_name", "document_time", "ensure_seal", "kept_signatures"]
