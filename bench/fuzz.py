"""The fault suite's fuzz test, longer: `python -m bench.fuzz [--examples 10000]`.

Runs tests/test_fault_fuzz.py with that many hypothesis examples (CI runs 500);
set ORDERBOT_TEST_DATABASE_URL to fuzz on PostgreSQL."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.common import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    args = parser.parse_args()
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/test_fault_fuzz.py"],
        cwd=ROOT, env={**os.environ, "ORDERBOT_FUZZ_EXAMPLES": str(args.examples)},
    )
    print(f"\n{args.examples} examples in {time.monotonic() - began:.0f} s: "
          f"{'no failure' if done.returncode == 0 else 'FAILED'}")
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
