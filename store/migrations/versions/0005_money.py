"""order adjustments: discounts and charges on an order's total

Revision ID: 0005_money
Revises: 0004_edges
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeDecorator

revision = "0005_money"
down_revision = "0004_edges"
branch_labels = None
depends_on = None


class UTCDateTime(TypeDecorator):
    """store.models.UTCDateTime as of this revision (migrations never import models)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        return value.astimezone(UTC) if value is not None else None


def upgrade() -> None:
    op.create_table(
        "order_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_staff_id", sa.Integer(), nullable=True),
        sa.Column("recorded_via", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_staff_id"], ["staff.id"],
                                name=op.f("fk_order_adjustments_actor_staff_id_staff")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_order_adjustments_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_adjustments")),
    )
    with op.batch_alter_table("order_adjustments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_adjustments_order_id"), ["order_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_adjustments_order_id"))
    op.drop_table("order_adjustments")
