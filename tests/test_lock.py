"""The locks a deployment installs from agree with pyproject.toml: every dependency (and
every extra locked) is pinned to one version inside its range, with hashes."""

from __future__ import annotations

import re
import tomllib

import pytest
from support.outside_reads import PROJECT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_TABLE = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, list[str]]:
    """Each package's pinned versions (a universal lock may pin one per Python range)."""
    text = (PROJECT / lock).read_text()
    found: dict[str, list[str]] = {}
    for m in filter(None, map(PIN.match, text.splitlines())):
        found.setdefault(canonicalize_name(m[1]), []).append(m[2])
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[-1])
    unhashed = [b.split("==")[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert unhashed == [], f"{lock}: no hashes for {unhashed}"
    return found


@pytest.mark.parametrize(("lock", "extras"), [
    ("requirements.lock", ["server"]),
    ("requirements-test.lock", ["server", "test"]),
])
def test_the_lock_pins_every_dependency_within_its_range(lock, extras) -> None:
    pinned = pins(lock)
    wanted = [*PROJECT_TABLE["dependencies"]]
    for extra in extras:
        wanted += PROJECT_TABLE["optional-dependencies"][extra]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} lacks {name}: remake it (README, Production)"
        # A requirement for some Pythons only (a marker) is met by the pin for those.
        assert any(requirement.specifier.contains(v, prereleases=True) for v in pinned[name]), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement.specifier}")


def test_every_dependency_has_an_upper_bound() -> None:
    lines = [*PROJECT_TABLE["dependencies"],
             *(d for deps in PROJECT_TABLE["optional-dependencies"].values() for d in deps)]
    unbounded = [d for d in lines if not any(s.operator in ("<", "<=", "==", "~=")
                                             for s in Requirement(d).specifier)]
    assert unbounded == []
