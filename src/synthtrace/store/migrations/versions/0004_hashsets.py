"""hash lists, their entries, matches and near-duplicate clusters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hashsets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("known_good", sa.Boolean(), nullable=False),
        sa.Column("default_category", sa.String(length=40), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("matched_upto", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hashsets")),
        sa.UniqueConstraint("name", name=op.f("uq_hashsets_name")),
    )
    op.create_table(
        "hash_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hashset_id", sa.Integer(), nullable=False),
        sa.Column("hash_type", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("series", sa.String(length=500), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hashset_id"], ["hashsets.id"], name=op.f("fk_hash_entries_hashset_id_hashsets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_entries")),
    )
    with op.batch_alter_table("hash_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ux_hash_entries_lookup", ["hash_type", "value", "hashset_id"], unique=True
        )

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("hashset_id", sa.Integer(), nullable=False),
        sa.Column("hash_type", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("series", sa.String(length=500), nullable=True),
        sa.Column("list_hash", sa.String(length=64), nullable=True),
        sa.Column("orientation", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["hashset_id"], ["hashsets.id"], name=op.f("fk_matches_hashset_id_hashsets")
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_matches_media_id_media")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index("ix_matches_hashset", ["hashset_id"], unique=False)
        batch_op.create_index("ix_matches_media", ["media_id"], unique=False)

    op.create_table(
        "media_clusters",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("cluster_size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_clusters_media_id_media")
        ),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_media_clusters")),
    )
    with op.batch_alter_table("media_clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_clusters_cluster_id"), ["cluster_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("media_clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_clusters_cluster_id"))

    op.drop_table("media_clusters")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index("ix_matches_media")
        batch_op.drop_index("ix_matches_hashset")

    op.drop_table("matches")
    with op.batch_alter_table("hash_entries", schema=None) as batch_op:
        batch_op.drop_index("ux_hash_entries_lookup")

    op.drop_table("hash_entries")
    op.drop_table("hashsets")
