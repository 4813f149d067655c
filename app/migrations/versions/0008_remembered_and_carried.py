"""decisions remembered (a change's conflicts with earlier decisions) and work carried over (choices kept on a
change, the draft that superseded another)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflicts", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("choice", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("choice_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("chosen_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("carried_from", sa.String(length=40), nullable=True))
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("superseded_by")
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.drop_column("carried_from")
        batch_op.drop_column("chosen_by")
        batch_op.drop_column("choice_comment")
        batch_op.drop_column("choice")
        batch_op.drop_column("conflicts")
