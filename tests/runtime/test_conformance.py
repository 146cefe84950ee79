"""The shared conformance suite, run through `switchback simulate` as users run it."""
import subprocess
import sys

import pytest

from tests.conftest import CONFORMANCE

CASES = sorted(p.parent.name for p in CONFORMANCE.glob("*/case.json"))


@pytest.mark.parametrize("case", CASES)
def test_conformance_case(case):
    p = subprocess.run([sys.executable, str(CONFORMANCE / "run"), "--switchback", f"{sys.executable} -m switchback.app", case],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip().endswith("1 passed, 0 failed")
