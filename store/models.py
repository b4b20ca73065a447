"""The database schema: SQLAlchemy 2.x typed models.

Money is integer minor units (paise) beside a currency code; times are UTC;
phones are E.164 strings. The schema itself is made by Alembic migrations
(store/migrations); a test keeps these models and the migrations in step.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so naive values coming back are UTC by contract.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class OrderKind(enum.StrEnum):
    """What an `orders` row is: an order of goods, or a booking (an appointment), whose
    time and place are its `Booking` row. Both share the number, the customer, the money
    (items, payments, refunds, proofs, payment links) and the timeline."""

    ORDER = "order"
    BOOKING = "booking"


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # the same word as an order's: nothing is due on either
    NO_SHOW = "no_show"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # shown to customers as "received"
    CONFIRMED = "confirmed"
    PREPARING = "preparing"
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PaymentStatus(enum.StrEnum):
    UNPAID = "unpaid"
    PARTIAL = "partial"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class ProofStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"  # nothing left to decide: the order was paid or cancelled meanwhile


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    HELD = "held"  # waits for the recipient (a platform's 24-hour window)
    SENT = "sent"
    FAILED = "failed"


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # order-number prefix, "AK"
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Kolkata")
    country: Mapped[str] = mapped_column(String(2), default="IN")
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    upi_id: Mapped[str | None] = mapped_column(String(100))
    upi_payee_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_name: Mapped[str | None] = mapped_column(String(120))
    bank_account_number: Mapped[str | None] = mapped_column(String(40))
    bank_ifsc: Mapped[str | None] = mapped_column(String(11))
    bank_name: Mapped[str | None] = mapped_column(String(120))
    accepted_methods: Mapped[list[Any]] = mapped_column(default=list)  # "upi", "cash", "bank"
    payment_note: Mapped[str | None] = mapped_column(Text)  # "Cash at pickup"
    # "phone4": a sender not proven as an order's phone gives its last 4 digits first.
    lookup_check: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    # Checks its carriers' reports at /webhooks/shipping/<provider>/<CODE>; never shown.
    shipping_secret: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "statement": a proof the bank statement confirms is approved by itself.
    auto_approve: Mapped[str | None] = mapped_column(String(20))
    # A customer may cancel a booking themselves until this many hours before it
    # starts; None: every cancellation is a request the staff decide.
    cancel_before_hours: Mapped[int | None] = mapped_column(Integer)

    staff: Mapped[list[Staff]] = relationship(back_populates="business")
    # Read with the order's view (its "pay now" line), in the same statement.
    razorpay_account: Mapped[RazorpayAccount | None] = relationship(viewonly=True)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("business_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # The chat platform's account of the member, linked when they shared their own
    # contact there (as `Chat.platform_user_id`, a number).
    platform_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # A removed staff member is kept (their past decisions name them) but inactive.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    business: Mapped[Business] = relationship(back_populates="staff")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_business_status", "business_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40), unique=True)  # as printed: "AK-1001"
    # Letters and digits only, upper case: what a customer's spelling is matched on.
    number_key: Mapped[str] = mapped_column(String(40), unique=True)
    customer_name: Mapped[str | None] = mapped_column(String(120))
    customer_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    customer_address: Mapped[str | None] = mapped_column(Text)
    customer_note: Mapped[str | None] = mapped_column(Text)  # shown to the proven customer
    internal_note: Mapped[str | None] = mapped_column(Text)  # staff only, never to customers
    fulfilment: Mapped[str] = mapped_column(String(16), default="pickup")  # pickup, delivery
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.PENDING.value)
    kind: Mapped[str] = mapped_column(
        String(10), default=OrderKind.ORDER.value, server_default=OrderKind.ORDER.value
    )
    payment_status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.UNPAID.value)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # net of refunds
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    business: Mapped[Business] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", order_by="Payment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="order", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )
    # A booking's time and place (kind "booking"); None for an order.
    booking: Mapped[Booking | None] = relationship(
        back_populates="order", uselist=False, cascade="all, delete-orphan"
    )
    # Read with the order's view; made by store.shipments, which expires this on a new one.
    shipments: Mapped[list[Shipment]] = relationship(order_by="Shipment.id", viewonly=True)

    # The money rules, in one place. `paid_minor` is what the shop keeps (payments less
    # refunds); `refunded_minor` what it gave back. A refund is money returned, never a
    # new debt: what is due is measured against what was *received*, so a refund can
    # never make money due again.
    adjustments: Mapped[list[OrderAdjustment]] = relationship(
        back_populates="order", order_by="OrderAdjustment.id", cascade="all, delete-orphan"
    )

    @property
    def received_minor(self) -> int:
        """Everything the customer ever paid, refunds not taken off."""
        return self.paid_minor + self.refunded_minor

    @property
    def due_minor(self) -> int:
        """What the customer still owes: the total less everything received; nothing on
        a cancelled order, never below zero."""
        if self.status == OrderStatus.CANCELLED:
            return 0
        return max(self.total_minor - self.received_minor, 0)

    @property
    def to_refund_minor(self) -> int:
        """What the shop still owes back: all it keeps of a cancelled order, else what it
        keeps beyond the total (a discount after payment)."""
        if self.status == OrderStatus.CANCELLED:
            return max(self.paid_minor, 0)
        return max(self.paid_minor - self.total_minor, 0)


class Booking(Base):
    """An appointment: the when and where of an `orders` row of kind "booking" (its
    number, customer, price, payments and timeline are the order's)."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_business_starts", "business_id", "starts_at"),)

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    staff_name: Mapped[str | None] = mapped_column(String(120))  # who serves, as shown
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    place: Mapped[str | None] = mapped_column(Text)  # None: the business's address
    # The calendar event's SEQUENCE: grows with every move or cancellation.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # When the booking last became confirmed at its current start: a reminder whose time
    # came before this is not sent late (the booking was made or moved inside its window).
    settled_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="booking")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class BookingRequest(Base):
    """A customer's wish to move or cancel a booking, until the staff decide it. A
    reschedule carries the wished start; the staff may accept, decline, or propose
    another start (`proposed_starts_at`), which the customer then accepts or declines."""

    __tablename__ = "booking_requests"
    __table_args__ = (Index("ix_booking_requests_order_status", "order_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # reschedule, cancel
    wanted_starts_at: Mapped[datetime | None] = mapped_column()
    wanted_text: Mapped[str | None] = mapped_column(String(200))  # the customer's words
    proposed_starts_at: Mapped[datetime | None] = mapped_column()  # the staff's counter
    # pending, proposed (the staff's counter waits for the customer), accepted,
    # declined, withdrawn (the booking changed or closed meanwhile)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class OrderAdjustment(Base):
    """A discount (negative) or a charge (positive, e.g. delivery) on an order's total."""

    __tablename__ = "order_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # signed: -5000 is a ₹50 discount
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120), default="system")
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_via: Mapped[str] = mapped_column(String(20), default="chat")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="adjustments")


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def line_total_minor(self) -> int:
        return self.quantity * self.unit_price_minor


class Payment(Base):
    """Money in (kind "payment") or back out (kind "refund") for an order."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="payment")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))  # upi, cash, bank, card, other
    reference: Mapped[str | None] = mapped_column(String(120), index=True)  # a UTR is found by it
    # At most one payment per proof: approving twice can never pay twice.
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("payment_proofs.id"), unique=True)
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recorded_via: Mapped[str] = mapped_column(String(20), default="chat")  # chat, api, import…
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    recorded_by: Mapped[Staff | None] = relationship()


class StatusEvent(Base):
    """One line of an order's timeline: a status change, a payment, a proof, a shipment step."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # status, payment, refund, proof, shipment, note
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(120), default="system")  # "Asha", "api", "system"
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Set for events that may happen once only (a shipment step): the unique index,
    # not a read before the write, keeps a carrier's repeats from adding a second one.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class Chat(Base):
    """One conversation: a (channel, address) pair and everything remembered about it."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # a channel's name (bot/channels/)
    address: Mapped[str] = mapped_column(String(64))  # a phone as the channel writes it, a chat id…
    display_name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(8))  # chosen or hinted; None = unknown
    state: Mapped[str] = mapped_column(String(32), default="idle")
    state_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    current_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL")
    )
    # The phone this chat has proven (by the channel itself, or a one-time code).
    linked_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    linked_until: Mapped[datetime | None] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    platform_user_id: Mapped[str | None] = mapped_column(String(64))
    last_inbound_at: Mapped[datetime | None] = mapped_column()  # for a platform's 24-hour window
    # Order numbers not found, counted in a window that starts at the first miss: kept
    # on the chat so the common case (a hit) costs no extra statement.
    lookup_misses: Mapped[int] = mapped_column(Integer, default=0)
    lookup_misses_since: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    current_order: Mapped[Order | None] = relationship()
    staff: Mapped[Staff | None] = relationship()


class OrderWatch(Base):
    """A chat that asked to be told of an order's changes ("notify me")."""

    __tablename__ = "order_watches"
    __table_args__ = (UniqueConstraint("chat_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundDelivery(Base):
    """A webhook delivery seen once: the unique key is the dedupe, the reply is kept for retries."""

    __tablename__ = "inbound_deliveries"
    __table_args__ = (UniqueConstraint("channel", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(64))  # MessageSid, update_id
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class OutboxMessage(Base):
    """A message that is not a direct reply, waiting to be delivered by a channel's sender.

    Written in the same transaction as the change it reports; `idempotency_key`
    (one per notice and recipient) makes a second enqueue of the same notice a no-op.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The claim walks one channel's waiting messages in the order they are due.
        Index("ix_outbox_due", "status", "channel", "next_attempt_at", "id"),
        # "Which is the recipient's first waiting message?" for each one the claim meets.
        Index("ix_outbox_recipient", "channel", "address", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))  # what the payload is: a notice key, "code", …
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class RateEvent(Base):
    """One counted event (a lookup miss, a wrong code, a code sent) for limits that
    must hold across every worker."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RatePace(Base):
    """The next free send slot of one rate (store/pacing.py): one row per key, however
    many sends it paces."""

    __tablename__ = "rate_paces"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # Seconds since the Unix epoch (UTC): the slot arithmetic stays one portable statement.
    next_at: Mapped[float] = mapped_column(Double)


class OtpChallenge(Base):
    """A one-time code sent to a typed phone; only a keyed hash of the code is kept."""

    __tablename__ = "otp_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, used, expired, locked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class MediaFile(Base):
    """A stored file (a payment proof), kept under MEDIA_DIR by its content hash."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Perceptual hash (1024-bit pHash, hex), images only: finds re-encoded or resized copies.
    phash: Mapped[str | None] = mapped_column(String(256), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentProof(Base):
    """A customer's screenshot or receipt claiming a payment, until staff decide it."""

    __tablename__ = "payment_proofs"
    __table_args__ = (UniqueConstraint("business_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # short, per business: "proof 12"
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id"))  # None: UTR only
    claimed_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=ProofStatus.PENDING.value)
    flags: Mapped[list[Any]] = mapped_column(default=list)  # "over_due", "reused:AK-1003:…"
    decided_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    # How the customer says they paid ("upi", "bank": the caption's words), if they said.
    method: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who decided when no staff member did ("statement": the bank statement confirmed it).
    decided_via: Mapped[str | None] = mapped_column(String(20))
    # The UTR the proof carries (read off it, or typed): found across every business.
    utr: Mapped[str | None] = mapped_column(String(40), index=True)
    # Reading it (store/proof_checks.py): "queued" until the worker has read it (or the
    # time budget ran out), then "read", "unreadable", "timeout" or "off" (no engine).
    read_state: Mapped[str | None] = mapped_column(String(12), index=True)
    read_lease_until: Mapped[datetime | None] = mapped_column()
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the fields read
    statement_credit_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_credits.id", ondelete="SET NULL"), index=True)
    statement_match: Mapped[str | None] = mapped_column(String(10))  # confirmed, possible

    order: Mapped[Order] = relationship()
    media: Mapped[MediaFile | None] = relationship()
    decided_by: Mapped[Staff | None] = relationship()
    statement_credit: Mapped[StatementCredit | None] = relationship(
        foreign_keys=[statement_credit_id])


class StatementCredit(Base):
    """One credit line of a business's bank or UPI statement. The same line in two
    overlapping files is kept once (the fingerprint of its own fields)."""

    __tablename__ = "statement_credits"
    __table_args__ = (UniqueConstraint("business_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    credited_at: Mapped[datetime] = mapped_column()
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="INR")
    utr: Mapped[str | None] = mapped_column(String(40), index=True)
    reference: Mapped[str | None] = mapped_column(String(200))  # the narration as printed
    payer: Mapped[str | None] = mapped_column(String(200))
    layout: Mapped[str] = mapped_column(String(30))  # which bank's export it came from
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("provider", "awb"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))  # shiprocket, generic
    awb: Mapped[str | None] = mapped_column(String(64))
    courier: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(24))  # picked_up, in_transit, out_for_delivery…
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown in lists, not secret
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class IdempotentRequest(Base):
    """An API request's `Idempotency-Key` and the response it got, per business."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("business_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RazorpayAccount(Base):
    """A business's own Razorpay account, for payment links (opt-in). The secrets are
    needed in clear to call the API and to check webhook signatures; they are never
    printed back or logged (see store/payment_links.py's masking)."""

    __tablename__ = "razorpay_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), unique=True
    )
    key_id: Mapped[str | None] = mapped_column(String(64))
    key_secret: Mapped[str | None] = mapped_column(String(128))
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    links: Mapped[str] = mapped_column(String(8), default="off")  # off, upi (UPI only), on
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentLink(Base):
    """A payment link made at the gateway for what was due. It belongs to an order
    today; `order_id` is nullable so that a booking can own one when bookings exist
    (a `booking_id` beside it). At most one link of an owner is `created` (live) at once."""

    __tablename__ = "payment_links"
    __table_args__ = (Index("ix_payment_links_order_status", "order_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16), default="razorpay")
    gateway_link_id: Mapped[str] = mapped_column(String(64), unique=True)  # plink_…
    reference_id: Mapped[str] = mapped_column(String(40))  # "AK-1001", then "AK-1001.2"…
    short_url: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # created (live), paid, partially_paid, cancelled, expired, stale (cancel failed)
    status: Mapped[str] = mapped_column(String(16), default="created")
    expire_by: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GatewayPayment(Base):
    """A payment the gateway reported, once: the unique (provider, gateway payment id)
    is what makes Razorpay's retries, a sync and a webhook record it exactly once."""

    __tablename__ = "gateway_payments"
    __table_args__ = (UniqueConstraint("provider", "gateway_payment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    gateway_payment_id: Mapped[str] = mapped_column(String(64))  # pay_…
    link_id: Mapped[int] = mapped_column(ForeignKey("payment_links.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # all that came in
    method: Mapped[str] = mapped_column(String(20))
    # The part booked on the order (a Payment), and the part to give back (the order
    # was cancelled, or already paid): never lost, flagged to staff.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    refund_due_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    via: Mapped[str] = mapped_column(String(16))  # webhook, sync
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
