"""Alembic's environment: runs on the connection the workspace hands it (see runtime/store/workspace.py)."""
from alembic import context

from switchback.runtime.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
