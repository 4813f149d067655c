"""the review queue's index: drafts by tenant, status and id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:10:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_drafts_tenant_status_id", "drafts", ["tenant", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_drafts_tenant_status_id", table_name="drafts")
