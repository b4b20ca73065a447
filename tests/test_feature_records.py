"""The features' records do not step on each other: a button verb, a chat state and an
outbox kind each belong to one feature, so a tap or a notice can never reach a
feature that does not expect it (a staff member of another business once fell through
the staff's "move" to the customer's "ask to reschedule" of the same verb)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from handlers.features import FEATURES


@pytest.mark.parametrize("part", ["buttons", "states", "renderers", "views", "staff_kinds"])
def test_each_name_belongs_to_one_feature(part: str) -> None:
    owners: dict[object, list[str]] = defaultdict(list)
    for feature in FEATURES:
        for name in getattr(feature, part):
            owners[name].append(feature.name)
    assert {name: who for name, who in owners.items() if len(who) > 1} == {}


def test_the_features_have_distinct_names() -> None:
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
