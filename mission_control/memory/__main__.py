"""Local memory maintenance, without a server: `python -m mission_control.memory reindex`.

Rebuilds the whole vector index from the database and embeds everything before it returns.
With the embedded store, stop the app first (one process owns the store's files); with a Qdrant
server, or while the app runs, prefer `mc memory reindex`.
"""

from __future__ import annotations

import argparse
import time

from sqlmodel import Session

from mission_control.db import engine
from mission_control.memory.embedder import get_embedder
from mission_control.memory.indexer import reindex
from mission_control.memory.store import get_store
from mission_control.services import memory, memory_index
from mission_control.startup import install_event_hooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mission_control.memory", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["reindex", "status"])
    args = parser.parse_args(argv)
    install_event_hooks()
    with Session(engine().execution_options(mc_write=True), expire_on_commit=False) as session:
        if args.command == "status":
            lag = memory_index.lag(session)
            print(f"memory {'on' if memory.enabled() else 'off'}: {lag.pending} pending, oldest {lag.seconds:.0f} s")
            return 0
        if not memory.enabled():
            print("agent memory is switched off (MC_MEMORY_ENABLED=false): nothing to index")
            return 1
        t0 = time.perf_counter()
        store = get_store()
        try:
            report = reindex(session, store, get_embedder())
        finally:
            store.close()
        indexed = report.index.indexed if report.index else 0
        print(f"reindexed {indexed} memories into the {store.name} store in {time.perf_counter() - t0:.1f} s "
              f"({report.backfilled} remembered for the first time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
