"""Workspace › Open… : another local workspace file, or a team's PostgreSQL database (its password
in the keyring, never in a file)."""
from __future__ import annotations

from urllib.parse import quote

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout

from switchback.connectors.secrets import SecretsUnavailable, get_secret, set_secret


def team_secret_name(user: str, host: str, port: int, database: str) -> str:
    return f"postgresql:{user}@{host}:{port}/{database}"


class TeamWorkspaceDialog(QDialog):
    def __init__(self, parent):
        super().__init__(parent)
        self.setWindowTitle("Open a team workspace (PostgreSQL)")
        self.host = QLineEdit("127.0.0.1")
        self.port = QSpinBox(minimum=1, maximum=65535, value=5432)
        self.database = QLineEdit("switchback")
        self.user = QLineEdit()
        self.password = QLineEdit(echoMode=QLineEdit.Password, placeholderText="kept in the OS keyring")
        for w, name in ((self.host, "host"), (self.port, "port"), (self.database, "database"), (self.user, "user"),
                        (self.password, "password")):
            w.setObjectName(f"team-{name}")
        form = QFormLayout()
        form.addRow("Server", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        self.note = QLabel("Everyone on the team opens the same database; schedulers on any machine may serve it.")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def url(self) -> str | None:
        """The SQLAlchemy URL to open; the password is taken from (or saved to) the keyring."""
        user, host, port, db = self.user.text().strip(), self.host.text().strip(), self.port.value(), self.database.text().strip()
        name = team_secret_name(user, host, port, db)
        try:
            if self.password.text():
                set_secret(name, "password", self.password.text())
            password = get_secret(name, "password")
        except SecretsUnavailable as e:
            self.note.setText(str(e))
            return None
        auth = quote(user) + (f":{quote(password)}" if password else "")
        return f"postgresql+psycopg://{auth}@{host}:{port}/{quote(db)}"
