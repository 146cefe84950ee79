"""PySide6 6.12.0 aborted at exit after building a scene ("none_dealloc"); keep this guard."""
import subprocess
import sys

from tests.conftest import DATA, ROOT

SCRIPT = f"""
import sys
from PySide6.QtWidgets import QApplication
from canvas.model import JourneyModel
from canvas.scene import JourneyScene
from runtime import document
app = QApplication(sys.argv)
scene = JourneyScene(JourneyModel(document.load(r"{DATA / 'every-kind.journey.json'}")))
assert len(scene.cards) == 23
print("built")
"""


def test_building_a_scene_and_exiting_is_clean():
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert (p.returncode, p.stdout.strip()) == (0, "built"), p.stderr[-2000:]
