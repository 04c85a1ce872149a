"""review app: users, web sessions, login throttling, the triage queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIAGE_INDEXES = {
    "ix_triage_sort": ["sort_key"],
    "ix_triage_mime": ["mime", "sort_key"],
    "ix_triage_generated": ["generated", "sort_key"],
    "ix_triage_tool": ["tool", "sort_key"],
    "ix_triage_model": ["model", "sort_key"],
    "ix_triage_matched": ["matched", "sort_key"],
    "ix_triage_cluster": ["cluster_id", "sort_key"],
    "ix_triage_category": ["category", "sort_key"],
}


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("last_login", sa.String(length=40), nullable=True),
        sa.Column("blur", sa.Integer(), nullable=False),
        sa.Column("greyscale", sa.Boolean(), nullable=False),
        sa.Column("reveal_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("idle_until", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "triage",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("sort_key", sa.BigInteger(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=200), nullable=True),
        sa.Column("generated", sa.Boolean(), nullable=True),
        sa.Column("tool", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=500), nullable=True),
        sa.Column("img2img", sa.Boolean(), nullable=False),
        sa.Column("lora_on_evidence", sa.Boolean(), nullable=False),
        sa.Column("model_on_evidence", sa.Boolean(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("known_good", sa.Boolean(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("cluster_size", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("category_source", sa.String(length=20), nullable=True),
        sa.Column("thumbnail", sa.Boolean(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("locations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_triage_media_id_media")),
        sa.PrimaryKeyConstraint("media_id", name=op.f("pk_triage")),
    )
    with op.batch_alter_table("triage", schema=None) as batch_op:
        for name, columns in TRIAGE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    op.create_table(
        "triage_devices",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("sort_key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_triage_devices_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_triage_devices_media_id_media")
        ),
        sa.PrimaryKeyConstraint("evidence_id", "media_id", name=op.f("pk_triage_devices")),
    )
    with op.batch_alter_table("triage_devices", schema=None) as batch_op:
        batch_op.create_index("ix_triage_devices_sort", ["evidence_id", "sort_key"], unique=False)

    state = op.create_table(
        "triage_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_state")),
    )
    op.bulk_insert(state, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("triage_state")
    with op.batch_alter_table("triage_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_devices_sort")
    op.drop_table("triage_devices")
    with op.batch_alter_table("triage", schema=None) as batch_op:
        for name in TRIAGE_INDEXES:
            batch_op.drop_index(name)
    op.drop_table("triage")
    op.drop_table("login_throttle")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
    op.drop_table("users")
