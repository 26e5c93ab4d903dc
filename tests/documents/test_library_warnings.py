"""A library's deprecation notice never reaches the client's screen (cryptography 51 deprecates DSA, which pyHanko
imports: at plain prompts the notice was printed over the client's questions)."""

import subprocess
import sys

from tests.conftest import ROOT


def test_loading_the_seal_and_its_checks_prints_nothing():
    code = ("import intake.documents.seal, intake.documents.verify, intake.documents.sealcheck\n"
            "import pyhanko.sign.signers.pdf_cms, pyhanko.sign.validation\n")
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
