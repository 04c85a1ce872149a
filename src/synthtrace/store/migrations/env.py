"""Alembic environment: runs on the engine the case hands over (no ini file, no URL guessing)."""

from alembic import context

from synthtrace.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
