"""video: vPDQ frame hashes per media, picture-is-a-frame links, vPDQ match percentages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "video_frames",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"]),
        sa.PrimaryKeyConstraint("media_id", "frame"),
    )
    op.create_table(
        "video_frame_links",
        sa.Column("picture_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["picture_id"], ["media.id"]),
        sa.ForeignKeyConstraint(["video_id"], ["media.id"]),
        sa.PrimaryKeyConstraint("picture_id", "video_id"),
    )
    op.create_index("ix_video_frame_links_video", "video_frame_links", ["video_id"])
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("query_match_pct", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("compared_match_pct", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_column("compared_match_pct")
        batch_op.drop_column("query_match_pct")
    op.drop_index("ix_video_frame_links_video", table_name="video_frame_links")
    op.drop_table("video_frame_links")
    op.drop_table("video_frames")
