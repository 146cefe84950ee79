import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CONFORMANCE = ROOT.parent / "shared" / "conformance"
SWITCHBACK = [sys.executable, "-m", "app"]
