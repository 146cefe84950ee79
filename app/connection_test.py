"""The connectors dialog's "Test connection" for a CRM source (HubSpot, Pipedrive): reads the first
page of its contacts off the GUI thread with the settings and the secret just saved, and says in
one line whether that worked (a refused token, a wrong address) — before any sync is started."""
from __future__ import annotations

from PySide6.QtCore import QThread, Signal

from switchback.connectors import registry
from switchback.connectors.secrets import get_secret
from switchback.runtime.problems import without_command


def for_the_window(text: str, name: str = "") -> str:
    """A line from the connectors or the runtime as the window shows it: without the command that
    does the same on the command line, and naming the connector once."""
    text = without_command(text)
    return text if not name or text.startswith((f"{name}:", f"{name} (")) else f"{name}: {text}"


class ConnectionTest(QThread):
    finished_with = Signal(str)

    def __init__(self, parent, name: str, kind: str, settings: dict):
        super().__init__(parent)
        self.name, self.kind, self.settings = name, kind, settings

    def run(self) -> None:
        spec = registry.get(self.kind)
        source = None
        try:
            source = spec.source(self.name, spec.settings.model_validate(self.settings),
                                 lambda key: get_secret(self.name, key))
            pages = source.pull(None, lambda done, total: None, lambda: False)
            first = next(pages, None)
            pages.close()
            read = len(first.contacts) if first is not None else 0
            self.finished_with.emit(f"Connected: {self.name} answered and let Switchback read its contacts "
                                    f"({read:,} on the first page). Nothing was synced yet.")
        except Exception as e:                      # one line in the dialog: the window stays up
            self.finished_with.emit("Not connected: " + for_the_window(str(e).splitlines()[0] if str(e)
                                                                        else type(e).__name__, self.name))
        finally:
            if source is not None and hasattr(source, "close"):
                source.close()
