"""media flags: the VICS list flags a reviewer sets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("time", sa.String(length=40), nullable=False),
        sa.Column("batch", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_flags_media_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_flags")),
    )
    with op.batch_alter_table("media_flags", schema=None) as batch_op:
        batch_op.create_index("ix_media_flags_media", ["media_id", "flag", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_media_flags_media")
    op.drop_table("media_flags")
