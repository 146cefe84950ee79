"""PySide6 6.12.0 aborted at exit after building a scene ("none_dealloc"); a QMimeData made in Python
and handed to the clipboard crashed 6.11 at exit. Keep these guards: a crash at exit fails CI even
when every test passed."""
import subprocess
import sys

from tests.conftest import DATA, ROOT

SCRIPT = f"""
import sys
from PySide6.QtWidgets import QApplication
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.runtime import document
app = QApplication(sys.argv)
scene = JourneyScene(JourneyModel(document.load(r"{DATA / 'every-kind.journey.json'}")))
assert len(scene.cards) == 23
from switchback.canvas.editor import JourneyEditor
editor = JourneyEditor(document.load(r"{DATA / 'every-kind.journey.json'}"))
for card in editor.scene.cards.values():
    card.setSelected(True)
editor.copy()
assert len(editor.paste()) == 23
print("built")
"""


def test_building_a_scene_and_exiting_is_clean():
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert (p.returncode, p.stdout.strip()) == (0, "built"), p.stderr[-2000:]
