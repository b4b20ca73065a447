"""Razorpay payment links: a business's account, the links made, the payments reported.

Revision ID: 0003_gateway
Revises: 0002_guard
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_gateway"
down_revision = "0002_guard"
branch_labels = None
depends_on = None


class UTCDateTime(sa.types.TypeDecorator):
    """As store.models.UTCDateTime stores it (a migration imports no application code)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True


def upgrade() -> None:
    op.create_table(
        "razorpay_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.Column("key_secret", sa.String(length=128), nullable=True),
        sa.Column("webhook_secret", sa.String(length=128), nullable=True),
        sa.Column("links", sa.String(length=8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"], ondelete="CASCADE",
                                name=op.f("fk_razorpay_accounts_business_id_businesses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_razorpay_accounts")),
        sa.UniqueConstraint("business_id", name=op.f("uq_razorpay_accounts_business_id")),
    )
    op.create_table(
        "payment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("gateway_link_id", sa.String(length=64), nullable=False),
        sa.Column("reference_id", sa.String(length=40), nullable=False),
        sa.Column("short_url", sa.String(length=500), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expire_by", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"], ondelete="CASCADE",
                                name=op.f("fk_payment_links_business_id_businesses")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_payment_links_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("gateway_link_id", name=op.f("uq_payment_links_gateway_link_id")),
    )
    op.create_index("ix_payment_links_order_status", "payment_links", ["order_id", "status"])
    op.create_table(
        "gateway_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("gateway_payment_id", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("refund_due_minor", sa.BigInteger(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["payment_links.id"], ondelete="CASCADE",
                                name=op.f("fk_gateway_payments_link_id_payment_links")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_gateway_payments_order_id_orders")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_gateway_payments_payment_id_payments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_payments")),
        sa.UniqueConstraint("provider", "gateway_payment_id",
                            name=op.f("uq_gateway_payments_provider_gateway_payment_id")),
    )


def downgrade() -> None:
    op.drop_table("gateway_payments")
    op.drop_index("ix_payment_links_order_status", table_name="payment_links")
    op.drop_table("payment_links")
    op.drop_table("razorpay_accounts")
