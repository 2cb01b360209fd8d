"""`python -m mission_control.bench NAME [args]`: run one benchmark (heartbeat, memory)."""

from __future__ import annotations

import importlib
import sys

NAMES = ("heartbeat", "memory")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in NAMES:
        print(f"usage: python -m mission_control.bench {{{','.join(NAMES)}}} [args]", file=sys.stderr)
        return 2
    importlib.import_module(f"mission_control.bench.{argv[0]}").main(argv[1:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
