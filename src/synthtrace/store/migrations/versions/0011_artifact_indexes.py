"""offender traces: web_artifacts keeps only the indexes its readers use

Inserting a 100,000-visit history spent most of its time maintaining indexes; those on
`source_id` and `file_id` served no query (the export and the pages read by device, kind and
value), and the one on `value` needs only the rows that have one (wallets, not visits).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_web_artifacts_source", table_name="web_artifacts")
    op.drop_index("ix_web_artifacts_file", table_name="web_artifacts")
    op.drop_index("ix_web_artifacts_value", table_name="web_artifacts")
    op.create_index(
        "ix_web_artifacts_value",
        "web_artifacts",
        ["kind", "value"],
        unique=False,
        sqlite_where=sa.text("value IS NOT NULL"),
        postgresql_where=sa.text("value IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_web_artifacts_value", table_name="web_artifacts")
    op.create_index("ix_web_artifacts_value", "web_artifacts", ["kind", "value"], unique=False)
    op.create_index("ix_web_artifacts_file", "web_artifacts", ["file_id"], unique=False)
    op.create_index("ix_web_artifacts_source", "web_artifacts", ["source_id"], unique=False)
