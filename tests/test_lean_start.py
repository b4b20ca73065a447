"""What every web and worker process pays at start: numpy (~14 MB, through the
perceptual hash and the OCR engine) loads only once a proof file is checked or read,
so a process that never sees one stays lighter (issue 21: RSS under 150 MB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_app_and_the_cli_start_without_numpy(tmp_path) -> None:
    env = {**os.environ, "ORDERBOT_ENV": "development", "ORDERBOT_INSTANCE_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}"}
    code = ("import sys, bot.cli.main, wsgi; "
            "print(sorted(m for m in ('numpy', 'imagehash') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
