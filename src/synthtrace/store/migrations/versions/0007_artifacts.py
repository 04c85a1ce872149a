"""offender traces: artifact sources, web artifacts, indicators and their hits

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("list_name", sa.String(length=500), nullable=False),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_index("ux_indicators_value", "indicators", ["kind", "value"], unique=True)
    op.create_table(
        "artifact_progress",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("file_upto", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_artifact_progress_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_artifact_progress")),
    )
    op.create_table(
        "artifact_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("reader", sa.String(length=40), nullable=False),
        sa.Column("browser", sa.String(length=20), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("wal_path", sa.Text(), nullable=True),
        sa.Column("wal_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_artifact_sources_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_sources")),
    )
    op.create_index(
        "ux_artifact_sources_place",
        "artifact_sources",
        ["evidence_id", "path", "reader"],
        unique=True,
    )
    op.create_table(
        "web_artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("browser", sa.String(length=20), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=300), nullable=True),
        sa.Column("domain", sa.String(length=300), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("time", sa.String(length=40), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.Column("currency", sa.String(length=20), nullable=True),
        sa.Column("target_path", sa.Text(), nullable=True),
        sa.Column("referrer_url", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_web_artifacts_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_web_artifacts_file_id_files")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["artifact_sources.id"],
            name=op.f("fk_web_artifacts_source_id_artifact_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_artifacts")),
    )
    op.create_index(
        "ix_web_artifacts_device", "web_artifacts", ["evidence_id", "kind", "id"], unique=False
    )
    op.create_index("ix_web_artifacts_domain", "web_artifacts", ["kind", "domain"], unique=False)
    op.create_index("ix_web_artifacts_file", "web_artifacts", ["file_id"], unique=False)
    op.create_index("ix_web_artifacts_source", "web_artifacts", ["source_id"], unique=False)
    op.create_index("ix_web_artifacts_value", "web_artifacts", ["kind", "value"], unique=False)
    op.create_table(
        "indicator_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["web_artifacts.id"],
            name=op.f("fk_indicator_hits_artifact_id_web_artifacts"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_indicator_hits_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_hits_indicator_id_indicators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_hits")),
    )
    op.create_index("ix_indicator_hits_artifact", "indicator_hits", ["artifact_id"], unique=False)
    op.create_index(
        "ix_indicator_hits_device", "indicator_hits", ["evidence_id", "indicator_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_indicator_hits_device", table_name="indicator_hits")
    op.drop_index("ix_indicator_hits_artifact", table_name="indicator_hits")
    op.drop_table("indicator_hits")
    for name in ("value", "source", "file", "domain", "device"):
        op.drop_index(f"ix_web_artifacts_{name}", table_name="web_artifacts")
    op.drop_table("web_artifacts")
    op.drop_index("ux_artifact_sources_place", table_name="artifact_sources")
    op.drop_table("artifact_sources")
    op.drop_table("artifact_progress")
    op.drop_index("ux_indicators_value", table_name="indicators")
    op.drop_table("indicators")
