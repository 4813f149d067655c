"""reviewer accounts (users, sign-in throttle), who decided, and edits saved before deciding

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 11:31:11
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_tenant"), ["tenant"], unique=False)
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_decisions_user_id_users"), "users", ["user_id"], ["id"])
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_after", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("edited_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("ui_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_ui_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_ui_sessions_user_id_users"), "users", ["user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("ui_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ui_sessions_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ui_sessions_user_id"))
        batch_op.drop_column("user_id")
    with op.batch_alter_table("draft_changes", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
        batch_op.drop_column("edited_by")
        batch_op.drop_column("edited_after")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_decisions_user_id_users"), type_="foreignkey")
        batch_op.drop_column("user_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_tenant"))
    op.drop_table("users")
    op.drop_table("login_throttle")
