"""Order lookup at scale.

    python -m bench.lookup [--sizes 1000 1000000] [--lookups 2000] [--db postgres]

Seeds the orders by bulk inserts (minutes, not hours), then answers an order number
for random orders through the whole core (`bot.runtime.respond`, one transaction
each, as a webhook would) and prints the time per order view and the number of SQL
statements each one ran.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select

from bench.common import machine, pg_database, sqlite_database, table
from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import respond
from handlers.types import Inbound
from store.db import unit_of_work
from store.demo import seed
from store.models import Business, Order, OrderItem, StatusEvent
from store.schema import upgrade

STATUSES = ["pending", "confirmed", "preparing", "ready", "completed", "cancelled"]
BATCH = 20_000


def grow(runtime, target: int) -> None:  # noqa: ANN001 - a Runtime
    """Add orders `BK-…` (two items each) until there are `target` of them."""
    with unit_of_work(runtime.sessions) as session:
        business = session.scalars(select(Business).where(Business.code == "AK")).one()
        have = session.scalar(select(func.count()).select_from(Order).where(
            Order.number.like("BK-%")))
    rng = random.Random(target)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    n = have
    while n < target:
        size = min(BATCH, target - n)
        orders = []
        for i in range(n, n + size):
            total = rng.randint(1, 20) * 5000
            status = rng.choice(STATUSES)
            at = start + timedelta(minutes=i)
            orders.append(dict(
                business_id=business.id, number=f"BK-{i:07d}", number_key=f"BK{i:07d}",
                customer_name="Bench Customer", customer_phone=f"+9196{i % 100_000_000:08d}",
                fulfilment="pickup", status=status, payment_status="unpaid", currency="INR",
                total_minor=total, paid_minor=0, refunded_minor=0, created_at=at,
                status_changed_at=at, updated_at=at,
            ))
        with unit_of_work(runtime.sessions) as session:
            ids = session.scalars(insert(Order).returning(Order.id), orders).all()
            session.execute(insert(OrderItem), [
                dict(order_id=oid, position=p, name=name, quantity=q, unit_price_minor=price)
                for oid in ids
                for p, (name, q, price) in enumerate([("Thali", 1, 25000), ("Lassi", 2, 6000)])
            ])
            session.execute(insert(StatusEvent), [
                dict(order_id=oid, kind="status", to_status="pending", detail={}, actor="bench",
                     created_at=start) for oid in ids
            ])
        n += size


def measure(runtime, size: int, lookups: int) -> tuple[float, float, float]:  # noqa: ANN001
    """Median and p95 milliseconds per order view, and SQL statements per view."""
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    rng = random.Random(size)
    numbers = [f"BK-{rng.randrange(size):07d}" for _ in range(lookups)]
    for n, number in enumerate(numbers[:50]):  # warm the pools and caches (senders of
        respond(runtime, _ask(number, size + lookups + n))  # their own: 30 lookups an hour)
    event.listen(runtime.engine, "before_cursor_execute", count)
    times = []
    for n, number in enumerate(numbers):
        began = time.perf_counter()
        replies = respond(runtime, _ask(number, n))
        times.append((time.perf_counter() - began) * 1000)
        assert number in replies[0].text, replies[0].text
    event.remove(runtime.engine, "before_cursor_execute", count)
    return statistics.median(times), statistics.quantiles(times, n=20)[18], statements / lookups


def _ask(number: str, n: int) -> Inbound:
    # Many senders, as in life; each chat is new the first time, like most lookups.
    return Inbound(channel="whatsapp", address=f"whatsapp:+9195{n:08d}", text=number,
                   proven_phone=f"+9195{n:08d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 1_000_000])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="orderbot-lookup-"))
    url = pg_database("orderbot_lookup") if args.db == "postgres" else sqlite_database(folder, "lookup")
    runtime = build_runtime(Config.from_env({}, dotenv=False, database_url=url, instance_dir=folder,
                                            secret_key="bench"))
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        seed(session)
    rows = []
    for size in sorted(args.sizes):
        began = time.perf_counter()
        grow(runtime, size)
        seeded = time.perf_counter() - began
        median, p95, statements = measure(runtime, size, args.lookups)
        rows.append([f"{size:,}", f"{seeded:.0f}", f"{median:.2f}", f"{p95:.2f}", f"{statements:.1f}"])
    ratio = float(rows[-1][2]) / float(rows[0][2])
    print(f"\nmachine: {machine()}; {args.db}; {args.lookups} lookups of random orders, each a "
          "whole transaction through the core\n")
    print(table(["orders", "seed s", "median ms", "p95 ms", "SQL statements / view"], rows))
    print(f"\nlargest / smallest median: {ratio:.2f} (target ≤ 1.2); target ≤ 5 statements")


if __name__ == "__main__":
    main()
