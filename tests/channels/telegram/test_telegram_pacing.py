"""Telegram's flood limits across processes: two bots' pacers (two web workers) that
share the database's pace space their sends to one chat a second apart and keep the
bot's overall pace; without the database, each keeps its own gaps."""

from __future__ import annotations

import asyncio

from bot.channels.telegram.outbound import OVERALL_KEY, Pacer


class Clock:
    """Wall time that moves only when someone sleeps (no real waiting in tests)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def pacer(clock: Clock, reserve) -> Pacer:  # noqa: ANN001
    return Pacer(overall=1 / 25, per_chat=1.0, clock=clock, wall=clock, sleep=clock.sleep,
                 reserve=reserve)


def sends(*turns: tuple[Pacer, int]) -> None:
    async def go() -> None:
        for one, chat_id in turns:
            async with one.turn(chat_id):
                pass

    asyncio.run(go())


def test_two_processes_sharing_the_pace_space_one_chat_a_second_apart() -> None:
    clock = Clock()
    taken: dict[str, float] = {}

    def reserve(key: str, per_second: float) -> float:  # the database's even pace
        slot = max(taken.get(key, 0.0), clock())
        taken[key] = slot + 1 / per_second
        return slot

    first, second = pacer(clock, reserve), pacer(clock, reserve)
    sends((first, 7), (second, 7), (second, 8))
    # chat 7's second message waits its second; chat 8's first only the bot's own pace
    assert clock.slept == [1.0, 0.04]
    assert set(taken) == {"telegram:chat:7", "telegram:chat:8", OVERALL_KEY}


def test_without_the_database_each_process_keeps_its_own_gaps() -> None:
    clock = Clock()

    def away(key: str, per_second: float) -> float:
        raise ConnectionError("database away")

    one = pacer(clock, away)
    sends((one, 7), (one, 7))
    assert clock.slept == [1.0]  # its own per-chat gap still holds


def test_the_outbox_worker_s_sends_take_no_slot_of_their_own() -> None:
    """The worker took the bot's slot inside its delivery's transaction; a slot taken
    here would wait for that transaction on SQLite. Its per-chat gap still holds."""
    clock = Clock()
    taken: list[str] = []

    def reserve(key: str, per_second: float) -> float:
        taken.append(key)
        return clock()

    async def go() -> None:
        one = pacer(clock, reserve)
        for _ in range(2):
            async with one.turn(7, from_worker=True):
                pass

    asyncio.run(go())
    assert taken == [] and clock.slept == [1.0]


def test_the_bridges_pace_is_the_database_s(runtime) -> None:  # noqa: ANN001
    """Two web workers' pacers over one database: the second message to a chat is
    given a slot a second after the first, whichever process sends it."""
    from bot.channels.telegram.bridge import shared_pacer

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    one, two = shared_pacer(runtime), shared_pacer(runtime)
    for each in (one, two):
        each._sleep = sleep  # the waits are recorded, not slept

    async def go() -> None:
        for each in (one, two):
            async with each.turn(4242):
                pass

    asyncio.run(go())
    chat_waits = [w for w in waits if w > 0.2]  # the bot's own pace waits ~35 ms at most
    assert len(chat_waits) == 1 and 0.5 < chat_waits[0] <= 1.0


def test_a_chat_idle_for_a_second_takes_its_slot_and_the_bots_in_one_transaction(
    runtime,  # noqa: ANN001
) -> None:
    """Each trip to the database is a thread hand-over and a commit: a chat's first
    message takes both slots in one; a message a chat must wait for takes the bot's
    slot only after that wait, in a second (as it did before they were one)."""
    from bot.channels.telegram.bridge import shared_pacer

    waits: list[float] = []
    trips: list[list[str]] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    one = shared_pacer(runtime)
    one._sleep = sleep  # the waits are recorded, not slept
    reserve_some = one.reserve_some

    def counted(keys: list[tuple[str, float]]) -> list[float]:
        slots = reserve_some(keys)
        trips.append([key for key, _ in keys][: len(slots)])
        return slots

    one.reserve_some = counted

    async def go() -> None:
        for _ in range(2):
            async with one.turn(4343):
                pass

    asyncio.run(go())
    chat = "telegram:chat:4343"
    assert trips == [[chat, OVERALL_KEY], [chat], [OVERALL_KEY]]
    assert len([w for w in waits if w > 0.2]) == 1  # the second message's chat second
