"""The demo data of the contract (Asha's Kitchen and its four orders; Glow Salon and
its two bookings) plus a bakery, so that more than one business is always in play.
Seeding twice changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import bookings
from store.models import Business, Order, Staff, utcnow
from store.orders import Actor, NewItem, create_order, record_payment, set_status

VENDOR_PHONE = "+919800000001"
SALON_STAFF_PHONE = "+919800000002"
BAKERY_VENDOR_PHONE = "+919800000003"

BUSINESSES = [
    dict(
        code="AK",
        name="Asha's Kitchen",
        currency="INR",
        timezone="Asia/Kolkata",
        country="IN",
        contact_phone=VENDOR_PHONE,
        contact_email="hello@ashaskitchen.example",
        address="14 MG Road, Bengaluru",
        upi_id="ashaskitchen@okaxis",
        upi_payee_name="Asha's Kitchen",
        bank_account_name="Asha's Kitchen",
        bank_account_number="50100234567890",
        bank_ifsc="HDFC0001234",
        bank_name="HDFC Bank",
        accepted_methods=["upi", "cash", "bank"],
        payment_note="Cash at pickup",
        staff=[("Asha", VENDOR_PHONE)],
    ),
    dict(
        code="SB",
        name="Sweet Crumbs Bakery",
        currency="INR",
        timezone="Asia/Kolkata",
        country="IN",
        contact_phone=BAKERY_VENDOR_PHONE,
        upi_id="sweetcrumbs@okicici",
        upi_payee_name="Sweet Crumbs Bakery",
        accepted_methods=["upi", "cash"],
        payment_note="Pay at the counter when you pick up",
        staff=[("Meera", BAKERY_VENDOR_PHONE)],
    ),
    dict(
        code="GS",
        name="Glow Salon",
        currency="INR",
        timezone="Asia/Kolkata",
        country="IN",
        contact_phone=SALON_STAFF_PHONE,
        address="7 Church Street, Bengaluru",
        upi_id="glowsalon@okicici",
        upi_payee_name="Glow Salon",
        accepted_methods=["upi", "cash"],
        payment_note="Pay the rest at the salon",
        staff=[("Neha", SALON_STAFF_PHONE)],
    ),
]

# number, business, phone, name, items, status path, payments (minor, method), age
ORDERS = [
    ("AK-1001", "AK", "+919811111111", "Ravi Kumar",
     [("Paneer Tikka", 2, 18000), ("Butter Naan", 1, 4000)],
     ["confirmed", "preparing"], [(15000, "upi")], timedelta(hours=2),
     "Regular; extra spicy. Leave at the gate if no answer."),
    ("AK-1002", "AK", "+919811111111", "Ravi Kumar",
     [("Veg Thali", 1, 25000)], ["confirmed", "preparing", "ready"], [(25000, "cash")],
     timedelta(hours=5), None),
    ("AK-1003", "AK", "+919822222222", "Priya Sharma",
     [("Masala Dosa", 3, 12000)], [], [], timedelta(hours=1), None),
    ("AK-1004", "AK", "+919822222222", "Priya Sharma",
     [("Lassi", 1, 6000)], ["cancelled"], [], timedelta(days=1), "Customer called to cancel"),
    ("SB-2001", "SB", "+919811111111", "Ravi Kumar",
     [("Chocolate Truffle Cake (1 kg)", 1, 85000), ("Birthday candles", 1, 5000)],
     ["confirmed"], [(20000, "upi")], timedelta(days=2), None),
]

DEMO_ORDER_NUMBERS = [o[0] for o in ORDERS]

# number, phone, name, service, (days from today, local hour), minutes, price, paid, status
BOOKINGS = [
    ("GS-B501", "+919811111111", "Ravi Kumar", "Haircut and styling", (1, 11), 60,
     80000, 20000, "confirmed"),
    ("GS-B502", "+919822222222", "Priya Sharma", "Hair spa", (2, 17), 60,
     120000, 0, "requested"),
]
DEMO_BOOKING_NUMBERS = [b[0] for b in BOOKINGS]


def seed(session: Session, now: datetime | None = None) -> bool:
    """Create what is missing of the demo data; returns whether anything was created."""
    now = now or utcnow()
    created = False
    businesses: dict[str, Business] = {}
    for spec in BUSINESSES:
        spec = dict(spec)
        staff = spec.pop("staff")
        business = session.scalars(select(Business).where(Business.code == spec["code"])).first()
        if business is None:
            business = Business(**spec, created_at=now - timedelta(days=30))
            session.add(business)
            session.flush()
            for name, phone in staff:
                session.add(Staff(business_id=business.id, name=name, phone=phone))
            created = True
        businesses[business.code] = business
    session.flush()
    for number, code, phone, name, items, path, payments, age, note in ORDERS:
        if session.scalars(select(Order.id).where(Order.number == number)).first():
            continue
        business = businesses[code]
        staff = session.scalars(select(Staff).where(Staff.business_id == business.id)).first()
        actor = Actor(staff.name, staff.id) if staff else Actor("system")
        at = now - age
        order = create_order(
            session, business, number,
            [NewItem(n, q, p) for n, q, p in items],
            customer_name=name, customer_phone=phone, created_at=at, internal_note=note,
            customer_address="22 Residency Road, Bengaluru" if code == "AK" else None,
        )
        for step, status in enumerate(path, start=1):
            # The demo's history is not news: its made-up phones are told nothing.
            set_status(session, order, status, actor, now=at + timedelta(minutes=10 * step),
                       notify=False)
        for amount, method in payments:
            record_payment(session, order, amount, method, actor, now=at + timedelta(minutes=5),
                           notify=False)
        created = True
    if "GS" in businesses:  # a trimmed demo (a test's) may leave the salon out
        created = _seed_bookings(session, businesses["GS"], now) or created
    return created


def _seed_bookings(session: Session, salon: Business, now: datetime) -> bool:
    """Glow Salon's bookings, at times counted from the salon's today."""
    zone = ZoneInfo(salon.timezone)
    today = now.astimezone(zone).date()
    staff = session.scalars(select(Staff).where(Staff.business_id == salon.id)).first()
    actor = Actor(staff.name, staff.id) if staff else Actor("system")
    created = False
    for number, phone, name, service, (days, hour), minutes, price, paid, status in BOOKINGS:
        if session.scalars(select(Order.id).where(Order.number == number)).first():
            continue
        starts_at = datetime.combine(today + timedelta(days=days), time(hour), zone)
        order = bookings.create_booking(
            session, salon, number,
            bookings.NewBooking(service, starts_at, minutes, price, staff_name=actor.name),
            status=status, customer_name=name, customer_phone=phone, actor=actor,
            now=now - timedelta(days=1), notify_staff=False,
        )
        if paid:
            record_payment(session, order, paid, "upi", actor, now=now - timedelta(hours=20),
                           notify=False)
        created = True
    return created
