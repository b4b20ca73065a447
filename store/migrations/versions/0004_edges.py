"""a shipping secret per business

Revision ID: 0004_edges
Revises: 0003_gateway
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_edges"
down_revision = "0003_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.add_column(sa.Column("shipping_secret", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.drop_column("shipping_secret")
