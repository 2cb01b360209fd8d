"""`python -m mission_control.bench [NAME ...] [--quick]`: run benchmarks (all by default)."""

from __future__ import annotations

import argparse
import sys
import time

from mission_control.bench.core import Result, discover, print_table

ORDER = ["heartbeat", "api_writes", "live_update", "board", "memory"]


def main(argv: list[str] | None = None) -> int:
    found = discover()
    names = sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    parser = argparse.ArgumentParser(prog="python -m mission_control.bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="smaller loads (a smoke run)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in found]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(names)}")
    results: list[Result] = []
    failed = []
    for name in args.names or names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            batch = found[name](args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others' numbers
            print(f"{name} failed: {exc!r}", file=sys.stderr)
            failed.append(name)
            continue
        print_table(batch)
        for r in batch:
            print(r.json_line(), flush=True)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
        results.extend(batch)
    if len(args.names or names) > 1:
        print("== summary")
        print_table(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
