"""The case database: SQLAlchemy 2 models, Alembic migrations, one batch writer."""
