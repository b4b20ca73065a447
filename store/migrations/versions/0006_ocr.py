"""proofs read and checked: reading, UTR, statement credits, auto-approval

Revision ID: 0006_ocr
Revises: 0005_money
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import TypeDecorator

revision = "0006_ocr"
down_revision = "0005_money"
branch_labels = None
depends_on = None


class UTCDateTime(TypeDecorator):
    """As store.models.UTCDateTime (a migration never imports the application)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.astimezone(UTC)


def upgrade() -> None:
    op.create_table(
        "statement_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("credited_at", UTCDateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("utr", sa.String(length=40), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("payer", sa.String(length=200), nullable=True),
        sa.Column("layout", sa.String(length=30), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["businesses.id"],
                                name=op.f("fk_statement_credits_business_id_businesses"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_credits")),
        sa.UniqueConstraint("business_id", "fingerprint",
                            name=op.f("uq_statement_credits_business_id_fingerprint")),
    )
    with op.batch_alter_table("statement_credits") as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_credits_utr"), ["utr"], unique=False)
    with op.batch_alter_table("businesses") as batch_op:
        batch_op.add_column(sa.Column("auto_approve", sa.String(length=20), nullable=True))
    with op.batch_alter_table("payments") as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_reference"), ["reference"], unique=False)
    with op.batch_alter_table("payment_proofs") as batch_op:
        batch_op.alter_column("media_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("decided_via", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("utr", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("read_state", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("read_lease_until", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reading", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("statement_credit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("statement_match", sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_proofs_utr"), ["utr"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_proofs_read_state"), ["read_state"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_payment_proofs_statement_credit_id"),
                              ["statement_credit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_proofs_statement_credit_id_statement_credits"),
            "statement_credits", ["statement_credit_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("payment_proofs") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payment_proofs_statement_credit_id_statement_credits"),
            type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payment_proofs_statement_credit_id"))
        batch_op.drop_index(batch_op.f("ix_payment_proofs_read_state"))
        batch_op.drop_index(batch_op.f("ix_payment_proofs_utr"))
        for column in ("statement_match", "statement_credit_id", "reading", "read_lease_until",
                       "read_state", "utr", "decided_via"):
            batch_op.drop_column(column)
        batch_op.alter_column("media_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_reference"))
    with op.batch_alter_table("businesses") as batch_op:
        batch_op.drop_column("auto_approve")
    op.drop_table("statement_credits")
