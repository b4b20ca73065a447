"""A clone alone passes: the suite reads nothing beside the project, and what it checks is
the product's own wording, not one Babel/CLDR release's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.outside_reads import OUTSIDE_READS, PROJECT

from handlers import i18n


def test_a_read_beside_the_project_is_caught() -> None:
    """The audit hook in conftest sees an `open` in the shared folder beside the project (and would fail the session)."""
    beside = PROJECT.parent.joinpath("shared", "fixtures", "no-such-file.png")
    before = len(OUTSIDE_READS)
    with pytest.raises(OSError):
        beside.open("rb")
    caught = OUTSIDE_READS[before:]
    del OUTSIDE_READS[before:]  # this one was on purpose
    assert caught == [str(beside)]


def test_a_read_inside_the_project_is_not_recorded() -> None:
    before = len(OUTSIDE_READS)
    (PROJECT / "pyproject.toml").read_bytes()
    assert OUTSIDE_READS[before:] == []


# The files that name the shared folder to keep it out: the audit hook and this test.
GUARDS = {PROJECT / "tests" / "conftest.py", PROJECT / "tests" / "support" / "outside_reads.py",
          Path(__file__).resolve()}


def test_no_test_or_benchmark_names_the_shared_folder() -> None:
    beside = re.compile(r"""\.\./shared|/\s*["']shared["']|["']shared/""")
    offenders = [
        str(path.relative_to(PROJECT))
        for folder in ("tests", "bench")
        for path in (PROJECT / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", ".lua", ".json", ".toml", ".cfg", ".ini")
        and path not in GUARDS and beside.search(path.read_text(errors="replace"))
    ]
    assert offenders == []


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_times_read_7_30_pm_with_the_installed_babel(lang: str) -> None:
    """The product's own pattern, whatever the CLDR release says ("PM", "pm", a space)."""
    evening = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 19:30 in Asia/Kolkata
    assert i18n.clock_time(evening.astimezone(ZoneInfo("Asia/Kolkata")),
                           i18n.babel_locale(lang)) == "7:30\u202fpm"
    assert i18n.when(evening, "Asia/Kolkata", lang).endswith(", 7:30\u202fpm")
