"""disk images: deleted and carved files, their image offset, download origins, the image object

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("carved", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("image_offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("download_origin", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("image", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("image")
        batch_op.drop_column("download_origin")
        batch_op.drop_column("image_offset")
        batch_op.drop_column("carved")
        batch_op.drop_column("deleted")
