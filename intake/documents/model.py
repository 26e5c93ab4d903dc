"""Provides the signature inputs and the finished documents: Signature, Countersignature, Document, Packet."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from intake.conditions import AgeBand
from intake.documents.errors import OutputError, SignatureInputError
from intake.documents.witness import AuditWitness
from intake.privatefile import write_private
from intake.privatefolder import make_private_folder
from intake.recordschema import PATTERNS
from intake.signing import CAPACITIES, signer_problem
from intake.text import MAX_NAME, MAX_STATEMENT

SIGNATURE_METHODS = ("drawn", "typed")
DECISIONS = ("none", "clearance_noted", "override")
DOCUMENT_KINDS = ("consent", "aftercare", "deferral")

MAX_RELATIONSHIP = 60
MAX_STROKES = 300
MAX_POINTS = 20_000

_NAME = re.compile(PATTERNS["name"])
MULTILINE_TEXT = re.compile(PATTERNS["multiline"])


@dataclass(frozen=True)
class Signature:
    """A client's simple electronic signature: drawn strokes or a typed name.

    Args:
        method: "drawn" or "typed".
        name: the signer's name as printed under the signature.
        intent_statement: the exact statement the signer affirmed by signing.
        signed_at: when they signed; timezone-aware (stored and printed in UTC and clinic time).
        strokes: for "drawn", the pen strokes: lists of (x, y) points normalised to 0..1, y down.
        aspect_ratio: width / height of the pad the strokes were drawn on (keeps the shape true).
        capacity: who signs: "client" (for themselves), "guardian" or "representative" (for the client).
        relationship: for a guardian or representative, how they relate to the client (printed).
        same_as_consent: for the photo consent's signature: the signer chose to use the same signature as for
            the treatment consent (its strokes or typed name, with the photo consent's statement), recorded as
            that choice and printed as such (see intake.signing.photo_signature_problem).
    """

    method: str
    name: str
    intent_statement: str
    signed_at: datetime
    strokes: Sequence[Sequence[tuple[float, float]]] = field(default_factory=list, repr=False)
    aspect_ratio: float = 3.0
    capacity: str = "client"
    relationship: str = ""
    same_as_consent: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The signature as plain JSON data (times in UTC)."""
        return {
            "method": self.method,
            "name": self.name,
            "intent_statement": self.intent_statement,
            "signed_at": utc_text(self.signed_at),
            "aspect_ratio": self.aspect_ratio,
            "strokes": [[[round(x, 4), round(y, 4)] for x, y in stroke] for stroke in self.strokes],
            "capacity": self.capacity,
            "relationship": self.relationship,
            **({"same_as_consent": True} if self.same_as_consent else {}),
        }

    @classmethod
    def from_dict(cls, data: Any, what: str = "the signature") -> Signature:
        """The signature from `to_dict`'s JSON data, checked completely.

        Raises:
            SignatureInputError: naming what is missing or wrong.
        """
        if not isinstance(data, Mapping):
            raise SignatureInputError(f"{what} must be a JSON object.")
        missing = [k for k in ("method", "name", "intent_statement", "signed_at") if k not in data]
        if missing:
            raise SignatureInputError(f"{what} has no {', '.join(missing)}.")
        text = data["signed_at"]
        try:
            signed_at = datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) else text
        except ValueError:
            raise SignatureInputError(f"{what}: signed_at {text!r} is not a date and time.") from None
        return check_signature(cls(data["method"], data["name"], data["intent_statement"], signed_at,
                                   data.get("strokes", []), data.get("aspect_ratio", 3.0),
                                   data.get("capacity", "client"), data.get("relationship", ""),
                                   data.get("same_as_consent", False)), what)


@dataclass(frozen=True)
class DecisionNote:
    """A decision the documents list besides the one in force: a superseded one, or a correction of answers.

    Args:
        kind: "clearance_noted", "override" or "correction".
        practitioner_id: who made it.
        on: the day it was made (documents print the day).
        reason: why.
        superseded_on: the day a later decision replaced it, None while it stands (a correction never stands).
        superseded_by: the practitioner id of the decision that replaced it.
        replaced_because: why the decision that replaced it did so.
        changes: for a correction, (question id, answer before, answer after) for each answer changed.
    """

    kind: str
    practitioner_id: str
    on: date
    reason: str = ""
    superseded_on: date | None = None
    superseded_by: str | None = None
    replaced_because: str = ""
    changes: tuple[tuple[str, Any, Any], ...] = ()


@dataclass(frozen=True)
class Countersignature:
    """The practitioner's countersignature and decision.

    Args:
        practitioner_id: id of a practitioner in the clinic configuration.
        signed_at: when they countersigned; timezone-aware. This is also the seal time.
        decision: "none"; "clearance_noted" (the approvals a CLEARANCE verdict asks for have been
            seen; its waiting periods still apply); or "override" (treating outside a finding or a
            plan limit, waiting periods included; needs a reason).
        reason: the practitioner's note; required for "override".
        plan: the confirmed treatment plan; None uses the engine's default plan.
        entered_at: when signatures given earlier (on paper, or on the consultation day) were entered and
            the documents sealed; None when that is signed_at. The documents then say they were entered later.
        sealed_at: the exact moment of countersigning, which the seal carries, when the documents print and
            embed a signed_at rounded to the minute (see intake.lifecycle.document_time); not before
            signed_at. None: the seal carries entered_at, else signed_at.
        decided_by: the practitioner who made the decision in force, when another than the countersigner
            (None: the countersigner decided).
        decided_on: the day the decision in force was made (None: the day of the countersignature).
        history: superseded decisions and corrections of answers, in the order they were made.
        witness: where the clinic's audit trail stood when the documents were sealed (its latest entry's
            number and hash), written into each document's properties inside the seal, so a trail later put
            back to an older state shows (`intake audit verify --documents`). None: no record store
            (a document rendered from a file).
    """

    practitioner_id: str
    signed_at: datetime
    decision: str = "none"
    reason: str = ""
    plan: Any = None
    entered_at: datetime | None = None
    sealed_at: datetime | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    history: tuple[DecisionNote, ...] = ()
    witness: AuditWitness | None = None


@dataclass(frozen=True)
class Document:
    """One finished PDF of a packet."""

    kind: str
    filename: str
    pdf: bytes = field(repr=False)
    sha256: str
    template_versions: Mapping[str, str]
    sealed: bool = True


@dataclass(frozen=True)
class Packet:
    """The documents rendered for one record, with the data embedded in each of them."""

    record_id: str
    verdict: str
    documents: list[Document]
    attachment: bytes = field(repr=False)  # health data: kept out of logs and tracebacks
    attachment_sha256: str

    def document(self, kind: str) -> Document | None:
        """The document of one kind, if the packet has it."""
        return next((d for d in self.documents if d.kind == kind), None)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Writes every document into a folder (created 0700) as files readable only by the owner.

        An existing file with the same name is left alone when its bytes are identical; a
        different file of the same name is never overwritten.

        Returns:
            The paths of the documents, in packet order.

        Raises:
            OutputError: the folder cannot be created or a different file is in the way.
        """
        folder = Path(out_dir)
        try:
            make_private_folder(folder)
            sweep_partials(folder)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror}).") from None
        written = []
        for document in self.documents:
            written.append(_write_private(folder / document.filename, document.pdf))
        return written


#: A document being written: `.partial-<pid of the writer>-<random>.pdf`, beside where it goes.
PARTIAL_PREFIX = ".partial-"
_PARTIAL = re.compile(r"\.partial-(\d+)-[^/]*\.pdf")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return pid != 0


def sweep_partials(folder: Path) -> list[Path]:
    """Removes the partial documents in a folder whose writer is gone (killed mid-write: a crash leftover); one
    still being written, by a process that is alive, is left to it. The documents are in the store: `intake
    records reprint` writes them again. Returns what was removed."""
    removed = []
    for path in Path(folder).glob(f"{PARTIAL_PREFIX}*.pdf"):
        match = _PARTIAL.fullmatch(path.name)
        if match and _alive(int(match.group(1))):
            continue  # this process's, or another's still writing
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # its writer finished meanwhile
        removed.append(path)
    return removed


def sweep_documents(out_dir: Path) -> list[Path]:
    """`sweep_partials` in every intake's folder of a documents folder (at start)."""
    try:
        folders = [p for p in Path(out_dir).iterdir() if p.is_dir()] if Path(out_dir).is_dir() else []
        return [path for folder in folders for path in sweep_partials(folder)]
    except OSError:
        return []  # an unreadable documents folder is reported when it is written to


def _write_private(path: Path, data: bytes) -> Path:
    if path.exists():
        try:
            same = hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()
        except OSError:
            same = False
        if same:
            os.chmod(path, 0o600)
            return path
        raise OutputError(f"{path}: a different file with this name already exists; it was not overwritten. "
                          "Move it away or choose another --out folder.")
    try:
        write_private(path, data, replace=False, partial=PARTIAL_PREFIX)
    except FileExistsError:
        raise OutputError(f"{path}: appeared while writing; it was not overwritten.") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror}).") from None
    return path


# -- checks -----------------------------------------------------------------------------------

def utc_text(moment: datetime) -> str:
    """A timezone-aware time as ISO 8601 UTC, for example 2026-11-20T14:32:05Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_time(moment: Any, what: str) -> datetime:
    """Checks a signing time and returns it in UTC (whole seconds)."""
    if not isinstance(moment, datetime):
        raise SignatureInputError(f"{what}: signed_at must be a date and time, not {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SignatureInputError(f"{what}: signed_at {moment.isoformat()} has no time zone; "
                                  "give a timezone-aware time such as datetime.now(timezone.utc).")
    if not 2000 <= moment.astimezone(UTC).year <= 2200:
        raise SignatureInputError(f"{what}: signed_at {moment.isoformat()} is not a plausible signing time.")
    return moment.astimezone(UTC).replace(microsecond=0)


def check_text(value: Any, what: str, limit: int, pattern: re.Pattern[str], hint: str, required: bool = True) -> str:
    """Checks a piece of free text supplied alongside a signature."""
    if not isinstance(value, str):
        raise SignatureInputError(f"{what} must be text.")
    text = value.strip()
    if required and not text:
        raise SignatureInputError(f"{what} is empty.")
    if len(text) > limit:
        raise SignatureInputError(f"{what} is too long ({len(text):,} characters; at most {limit:,}).")
    if text and not pattern.fullmatch(text):
        raise SignatureInputError(f"{what} {hint}")
    return text


def check_signature(signature: Any, what: str) -> Signature:
    """Checks a client signature completely and returns a normalised copy (UTC time, tuple strokes).

    Raises:
        SignatureInputError: naming the signature and what is wrong with it.
    """
    if not isinstance(signature, Signature):
        raise SignatureInputError(f"{what} must be a Signature, not {type(signature).__name__}.")
    if signature.method not in SIGNATURE_METHODS:
        raise SignatureInputError(f"{what}: method must be 'drawn' or 'typed', not {signature.method!r}.")
    name = check_text(signature.name, f"{what}: the signer's name", MAX_NAME, _NAME,
                      "may use letters, spaces, apostrophes, hyphens, full stops and commas only.")
    statement = check_text(signature.intent_statement, f"{what}: the intent statement", MAX_STATEMENT,
                           MULTILINE_TEXT, "contains control or hidden formatting characters.")
    signed_at = check_time(signature.signed_at, what)
    if signature.capacity not in CAPACITIES:
        raise SignatureInputError(f"{what}: capacity must be one of {', '.join(CAPACITIES)}, "
                                  f"not {signature.capacity!r}.")
    relationship = check_text(signature.relationship, f"{what}: the signer's relationship to the client",
                              MAX_RELATIONSHIP, _NAME, "may use letters, spaces, apostrophes, hyphens, full stops "
                              "and commas only.", required=False)
    aspect = signature.aspect_ratio
    if not isinstance(aspect, (int, float)) or isinstance(aspect, bool) or not 0.5 <= aspect <= 10:
        raise SignatureInputError(f"{what}: aspect_ratio must be a number between 0.5 and 10.")
    strokes = _check_strokes(signature.strokes, what)
    if signature.method == "drawn" and not strokes:
        raise SignatureInputError(f"{what}: a drawn signature needs at least one stroke; ask the client to sign "
                                  "again or use a typed name.")
    if signature.method == "typed" and strokes:
        raise SignatureInputError(f"{what}: a typed signature carries no strokes; use method 'drawn' for strokes.")
    if not isinstance(signature.same_as_consent, bool):
        raise SignatureInputError(f"{what}: same_as_consent must be true or false.")
    return Signature(signature.method, name, statement, signed_at, strokes, float(aspect), signature.capacity,
                     relationship, signature.same_as_consent)


def check_signer(signature: Signature, client_name: str, guardian_needed: bool, what: str,
                 guardian_name: str | None = None, band: AgeBand = "unknown") -> None:
    """Checks that the signer may sign for this client (intake.signing.signer_problem).

    Raises:
        SignatureInputError: naming the signature and why this signer may not sign as given.
    """
    problem = signer_problem(signature.name, client_name, signature.capacity, signature.relationship,
                             guardian_needed=guardian_needed, guardian_name=guardian_name, band=band)
    if problem:
        raise SignatureInputError(f"{what}: {problem}")


def _check_strokes(strokes: Any, what: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    if not isinstance(strokes, (list, tuple)):
        raise SignatureInputError(f"{what}: strokes must be a list of strokes.")
    if len(strokes) > MAX_STROKES:
        raise SignatureInputError(f"{what}: {len(strokes)} strokes is more than a signature can have "
                                  f"(at most {MAX_STROKES}).")
    result = []
    total = 0
    for s_index, stroke in enumerate(strokes):
        if not isinstance(stroke, (list, tuple)) or not stroke:
            raise SignatureInputError(f"{what}: stroke {s_index + 1} must be a non-empty list of points.")
        total += len(stroke)
        if total > MAX_POINTS:
            raise SignatureInputError(f"{what}: more than {MAX_POINTS:,} points; simplify the strokes.")
        points = []
        for p_index, point in enumerate(stroke):
            if not isinstance(point, (list, tuple)) or len(point) != 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1
                for v in point
            ):
                raise SignatureInputError(f"{what}: stroke {s_index + 1}, point {p_index + 1} must be two numbers "
                                          "between 0 and 1 (x, y measured from the top left of the pad).")
            points.append((float(point[0]), float(point[1])))
        result.append(tuple(points))
    return tuple(result)
