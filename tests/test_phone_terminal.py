"""Issue 5's "done when", in the real terminal chat: `orderbot chat --phone
+919899999999` with ORDERBOT_ENV=development, the code read from the log it prints."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

from support.phone import wrong


class Terminal:
    """`orderbot chat` in a subprocess, typed into line by line."""

    def __init__(self, database_url: str, tmp_path: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ORDERBOT_"))}
        env |= {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path),
                "ORDERBOT_SECRET_KEY": "cli-test", "ORDERBOT_ENV": "development"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )
        self.codes: list[str] = []

    def type(self, *lines: str) -> None:
        self.process.stdin.write("".join(line + "\n" for line in lines))
        self.process.stdin.flush()

    def next_code(self, timeout: float = 30.0) -> str:
        """The next one-time code the chat printed to its log."""
        wanted = len(self.codes) + 1
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stderr, selectors.EVENT_READ)
            while len(self.codes) < wanted:
                left = deadline - time.monotonic()
                assert left > 0 and selector.select(left), "no code in the log"
                line = self.process.stderr.readline()
                assert line, "the chat ended without printing a code"
                self.codes += re.findall(r"one-time code for \+\d+: (\d{6})", line)
        return self.codes[-1]

    def finish(self) -> str:
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return out


def test_done_when_in_english(demo, database_url, tmp_path) -> None:
    chat = Terminal(database_url, tmp_path, "--phone", "+919899999999")
    chat.type("my orders", "+91 98111 11111")
    chat.type(chat.next_code())
    chat.type("forget me", "my orders", "98222 22222")
    chat.type(*[wrong(chat.next_code())] * 6)
    out = chat.finish()
    listed = out[out.index("Orders for +91 98111 11111"):out.index("no longer linked")]
    assert "There are no orders for +91 98999 99999" in out
    assert "AK-1001" in listed and "AK-1002" in listed and "AK-1003" not in listed
    assert out.count("Tries left") == 4
    assert out.count("Too many wrong codes: this code no longer works") == 2


def test_done_when_in_hindi(demo, database_url, tmp_path) -> None:
    chat = Terminal(database_url, tmp_path, "--phone", "+919899999999", "--lang", "hi")
    chat.type("मेरे ऑर्डर", "+91 98111 11111")
    chat.type(chat.next_code())
    out = chat.finish()
    assert "+91 98999 99999 के लिए कोई ऑर्डर नहीं" in out
    assert "6 अंकों का कोड भेजा है" in out
    assert "+91 98111 11111 के ऑर्डर" in out and "AK-1001" in out and "AK-1002" in out
