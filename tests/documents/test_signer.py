"""Who may sign: the client, or a guardian or representative whose capacity is recorded and printed."""

from __future__ import annotations

import pytest

from intake.cli import main
from intake.conditions import MINORS_POLICIES, AgePolicy
from intake.documents import Signature
from intake.documents.errors import SignatureInputError
from intake.signing import CAPACITIES, guardian_required, signer_problem
from tests.conftest import EXAMPLES
from tests.documents.conftest import CLIENT_TIME
from tests.documents.reading import pdftotext, squash

AT = "2026-11-20T14:40:05+00:00"


@pytest.mark.parametrize(("name", "capacity", "relationship", "minor", "fragment"), [
    ("Maria Okonkwo-Smith", "client", "", False, None),
    ("  maria   OKONKWO-smith ", "client", "", False, None),
    ("Someone Else", "client", "", False, "is not the client's name"),
    ("Maria Okonkwo-Smith", "client", "", True, "a parent or guardian signs"),
    ("Maria Okonkwo-Smith", "client", "self", False, "has no relationship"),
    ("Ada Smith", "guardian", "", False, "must say how they are related"),
    ("Ada Smith", "guardian", "mother", False, None),
    ("Ada Smith", "guardian", "mother", True, None),
    ("Ada Smith", "representative", "attorney", False, None),
    ("Ada Smith", "representative", "attorney", True, "in the capacity 'guardian'"),
    ("Maria Okonkwo-Smith", "guardian", "mother", False, "with their own name"),
    ("Ada Smith", "friend", "friend", False, "capacity must be one of"),
])
def test_one_signer_rule(name, capacity, relationship, minor, fragment):
    problem = signer_problem(name, "Maria Okonkwo-Smith", capacity, relationship, guardian_needed=minor)
    assert (problem is None) if fragment is None else (fragment in problem)


AGES = [(18, 18), (21, 18), (18, 16), (16, 16)]  # (adult_age, legal_age)


@pytest.mark.parametrize("minors", MINORS_POLICIES)
@pytest.mark.parametrize(("adult_age", "legal_age"), AGES)
def test_a_guardian_is_required_only_for_a_client_under_the_legal_age_under_the_clearance_policy(
        minors, adult_age, legal_age):
    policy = AgePolicy(adult_age, legal_age, minors)
    for age in (None, legal_age - 2, legal_age - 1, legal_age, adult_age - 1, adult_age, adult_age + 20):
        minor = age is not None and age < legal_age
        assert guardian_required(age, policy) is (minor and minors == "clearance"), age
        assert policy.band(age) == ("unknown" if age is None else "minor" if minor else
                                    "young_adult" if age < adult_age else "adult")


@pytest.mark.parametrize("minors", ["clearance", "allow"])
@pytest.mark.parametrize("band", ["minor", "young_adult", "adult"])
@pytest.mark.parametrize("capacity", CAPACITIES)
def test_who_may_sign_follows_the_legal_age_alone(minors, band, capacity):
    """A parent or guardian only for a client under the legal age (and always under clearance); a legal
    representative only for someone of the legal age or over; the client unless a guardian must sign."""
    needed = band == "minor" and minors == "clearance"
    name = "Maria Okonkwo-Smith" if capacity == "client" else "Ada Smith"
    problem = signer_problem(name, "Maria Okonkwo-Smith", capacity, "" if capacity == "client" else "mother",
                             guardian_needed=needed, guardian_name="Ada Smith", band=band)
    allowed = {"client": not needed, "guardian": band == "minor", "representative": band != "minor"}[capacity]
    assert (problem is None) is allowed, problem


def test_the_capacity_travels_with_the_signature():
    signature = Signature("typed", "Ada Smith", "I agree.", CLIENT_TIME, capacity="guardian", relationship="mother")
    again = Signature.from_dict(signature.to_dict())
    assert (again.capacity, again.relationship) == ("guardian", "mother")
    old = {k: v for k, v in signature.to_dict().items() if k not in ("capacity", "relationship")}
    assert Signature.from_dict(old).capacity == "client"
    with pytest.raises(SignatureInputError, match="capacity must be one of"):
        Signature.from_dict({**signature.to_dict(), "capacity": "friend"})


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    return tmp_path


def test_render_refuses_another_name_without_a_capacity_and_prints_it_with_one(desk, capsys):
    args = ["render", str(EXAMPLES / "suitable.json"), "--typed-name", "Daniel Smith", "--photo-typed-name",
            "Daniel Smith", "--signed-at", AT]
    assert main([*args, "--out", "refused"]) == 1
    err = capsys.readouterr().err
    assert "'Daniel Smith' is not the client's name (Maria Okonkwo-Smith)" in err and "capacity" in err
    assert not (desk / "refused").exists()
    assert main([*args, "--signer-capacity", "representative", "--out", "x"]) == 1
    assert "must say how they are related" in capsys.readouterr().err
    assert main([*args, "--signer-capacity", "representative", "--signer-relationship", "husband",
                 "--out", "docs"]) == 0
    consent = next((desk / "docs").glob("*consent*.pdf")).read_bytes()
    text = squash(pdftotext(consent))
    assert "Daniel Smith, husband (legal representative), signing for Maria Okonkwo-Smith" in text
    assert "I sign on behalf of the client named on this form" in text
