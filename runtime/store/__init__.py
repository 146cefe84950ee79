"""The workspace store: SQLAlchemy models, Alembic migrations, and loading/saving contact state.
SQLite (WAL) is the embedded default; PostgreSQL runs the same code for teams."""
