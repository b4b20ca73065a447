"""Benchmarks: each `python -m bench.<name>` prints a table. Not tests."""
