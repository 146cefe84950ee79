import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CONFORMANCE = ROOT.parent / "shared" / "conformance"
SWITCHBACK = [sys.executable, "-m", "switchback.app"]

import pytest


@pytest.fixture
def test_keyring(tmp_path, monkeypatch):
    """The project's test keyring, for this process and the subprocesses it starts."""
    import keyring

    from tests.support.keyring_backend import FileKeyring
    monkeypatch.setenv("SWITCHBACK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.keyring_backend.FileKeyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)
