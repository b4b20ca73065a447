"""staff: the chat platform's account under a name of no channel (telegram_user_id
becomes platform_user_id, its index with it; every value kept)

Revision ID: 0008_staff_user
Revises: 0007_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_staff_user"
down_revision = "0007_bookings"
branch_labels = None
depends_on = None

# A rename in place (ALTER TABLE … RENAME, SQLite 3.25+ as PostgreSQL), never SQLite's
# copy of the table: staff rows are referred to by chats (ON DELETE SET NULL), events,
# payments and proofs, and dropping the old table would clear or refuse those.
IN_PLACE = {"recreate": "never"}


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table("staff", **IN_PLACE) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_staff_{old}"))
        batch_op.alter_column(old, new_column_name=new, existing_type=sa.BigInteger(),
                              existing_nullable=True)
        batch_op.create_index(batch_op.f(f"ix_staff_{new}"), [new], unique=False)


def upgrade() -> None:
    _rename("telegram_user_id", "platform_user_id")


def downgrade() -> None:
    _rename("platform_user_id", "telegram_user_id")
