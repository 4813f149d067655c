"""choices saved as a reviewer makes them, bulk decisions that can be undone, and plan versions that revert to an
older one

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("choice_saved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverted_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    op.create_table(
        "bulk_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("draft_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("change_ids", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("plan_version_before", sa.Integer(), nullable=False),
        sa.Column("plan_version_after", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.Column("undo_plan_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_bulk_decisions_account_id_accounts")),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name=op.f("fk_bulk_decisions_draft_id_drafts")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bulk_decisions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_decisions")),
    )
    with op.batch_alter_table("bulk_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_decisions_tenant"), ["tenant"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_decisions_draft_id"), ["draft_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bulk_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_decisions_draft_id"))
        batch_op.drop_index(batch_op.f("ix_bulk_decisions_tenant"))
    op.drop_table("bulk_decisions")
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("reverted_to")
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.drop_column("choice_saved_at")
