"""a business may ask for the last 4 digits of the order's phone before showing an order

Revision ID: 0002_guard
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_guard"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.add_column(
            sa.Column("lookup_check", sa.String(length=10), server_default="none", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.drop_column("lookup_check")
