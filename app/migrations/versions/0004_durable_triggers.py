"""durable draft triggers and draft attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft_triggers",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_draft_triggers_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("tenant", "account_id", "kind", name=op.f("pk_draft_triggers")),
    )
    op.create_index(op.f("ix_draft_triggers_not_before"), "draft_triggers", ["not_before"], unique=False)
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("attempts")
    op.drop_index(op.f("ix_draft_triggers_not_before"), table_name="draft_triggers")
    op.drop_table("draft_triggers")
