"""Benchmarks: `python -m mission_control.bench [NAME ...]` (or `make bench NAME=...`).

Every module in this package that defines `run(quick: bool) -> list[Result]` is a benchmark
named after the module (heartbeat, api_writes, live_update, board, memory, ...): adding one is
adding a module. Each prints a table and one JSON line per result. Loads are bounded in count
and time and stay on 127.0.0.1.
"""
