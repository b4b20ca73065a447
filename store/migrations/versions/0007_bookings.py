"""bookings: an orders row of kind "booking" with its time and place, change requests,
and the business's own-cancellation window

Revision ID: 0007_bookings
Revises: 0006_ocr
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeDecorator

revision = "0007_bookings"
down_revision = "0006_ocr"
branch_labels = None
depends_on = None


class UTCDateTime(TypeDecorator):
    """As store.models.UTCDateTime (a migration never imports the application)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.astimezone(UTC)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="order", nullable=False)
        )
    with op.batch_alter_table("businesses") as batch_op:
        batch_op.add_column(sa.Column("cancel_before_hours", sa.Integer(), nullable=True))
    op.create_table(
        "bookings",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("staff_name", sa.String(length=120), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_bookings_order_id_orders"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"],
                                name=op.f("fk_bookings_business_id_businesses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_bookings_staff_id_staff"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings") as batch_op:
        batch_op.create_index("ix_bookings_business_starts", ["business_id", "starts_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_starts_at"), ["starts_at"], unique=False)
    op.create_table(
        "booking_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("wanted_starts_at", UTCDateTime(), nullable=True),
        sa.Column("wanted_text", sa.String(length=200), nullable=True),
        sa.Column("proposed_starts_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_booking_requests_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"],
                                name=op.f("fk_booking_requests_chat_id_chats"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_staff_id"], ["staff.id"],
                                name=op.f("fk_booking_requests_decided_by_staff_id_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_requests")),
    )
    with op.batch_alter_table("booking_requests") as batch_op:
        batch_op.create_index("ix_booking_requests_order_status", ["order_id", "status"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("booking_requests")
    op.drop_table("bookings")
    with op.batch_alter_table("businesses") as batch_op:
        batch_op.drop_column("cancel_before_hours")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("kind")
