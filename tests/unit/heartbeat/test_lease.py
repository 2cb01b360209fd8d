"""Exactly one scheduler per deployment: the database lease, its takeover when the holder
dies, and fencing of a holder that lost it. The last test runs two real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mission_control.db import session_scope
from mission_control.heartbeat.lease import Lease, LeaseLost


def test_one_holder_at_a_time_takeover_after_expiry_and_fencing(db):
    a, b = Lease(holder="a", ttl_s=0.3), Lease(holder="b", ttl_s=0.3)
    assert a.acquire_or_renew() and not b.acquire_or_renew()
    assert a.acquire_or_renew() and a.epoch == 1  # renewal keeps the epoch
    with session_scope() as s:
        a.fence(s)
    time.sleep(0.35)  # a stops renewing (it died, or stalled)
    assert b.acquire_or_renew() and b.epoch == 2
    assert not a.acquire_or_renew() and not a.held
    a.epoch = 1  # a stale holder that has not noticed yet is fenced off before it writes
    with session_scope() as s, pytest.raises(LeaseLost, match="moved to b"):
        a.fence(s)
    b.release()  # a clean shutdown hands over at once
    assert a.acquire_or_renew() and a.epoch == 3


WORKER = textwrap.dedent("""
    import asyncio, faulthandler, json, signal, sys, time
    from mission_control.heartbeat.lifespan import run_heartbeat_engine

    name = sys.argv[1]
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the test asks for stacks if it hangs
    # A runner started in the background (CI) passes SIGINT down ignored, and Python then keeps
    # ignoring it: the clean stop below would never come. Ctrl-C behaves as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def on_change(what, lease):
        print(json.dumps({"who": name, "what": what, "epoch": lease.epoch, "t": time.time()}), flush=True)

    print(json.dumps({"who": name, "what": "up", "t": time.time()}), flush=True)
    asyncio.run(run_heartbeat_engine(holder=name, ttl_s=1.0, renew_s=0.2, on_change=on_change))
""")


def _read_events(proc: subprocess.Popen, into: list[dict], until: float, stop=lambda: False) -> None:
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while time.time() < until and not stop():
        if not sel.select(timeout=0.05):
            continue
        line = proc.stdout.readline()
        if not line:
            return
        into.append(json.loads(line))


def _wait_or_show_stacks(proc: subprocess.Popen, stderr_file, timeout_s: float) -> None:
    """Wait for a stopping worker; if it hangs, fail with where each of its threads is."""
    try:
        proc.wait(timeout=timeout_s)
        return
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1)
        proc.kill()
        proc.wait(timeout=10)
    pytest.fail(f"the worker did not stop within {timeout_s:.0f} s of SIGINT; its stderr and threads:\n"
                f"{stderr_file.read_text()[-6000:]}")


def test_two_processes_run_one_scheduler_and_the_survivor_takes_over(db, tmp_path):
    env = {**os.environ, "MC_DATABASE_URL": db.url.render_as_string(hide_password=False),
           "MC_HEARTBEAT_ENABLED": "true", "PYTHONUNBUFFERED": "1"}
    errs = {name: tmp_path / f"{name}.stderr" for name in ("w1", "w2")}
    procs = {name: subprocess.Popen([sys.executable, "-c", WORKER, name], env=env, stdout=subprocess.PIPE,
                                    stderr=errs[name].open("w"), text=True) for name in ("w1", "w2")}
    events: dict[str, list[dict]] = {"w1": [], "w2": []}
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not any(e["what"] == "started" for ev in events.values() for e in ev):
            for name, proc in procs.items():
                _read_events(proc, events[name], time.time() + 0.1)
        for name, proc in procs.items():  # both up, let them contend for a while
            _read_events(proc, events[name], time.time() + 1.0)
        started = [n for n, ev in events.items() if any(e["what"] == "started" for e in ev)]
        assert len(started) == 1, (events, {n: p.read_text()[-3000:] for n, p in errs.items()})
        holder = started[0]
        other = "w2" if holder == "w1" else "w1"
        assert any(e["what"] == "up" for e in events[other])
        killed_at = time.time()
        procs[holder].send_signal(signal.SIGKILL)  # dies without releasing
        procs[holder].wait(timeout=10)
        _read_events(procs[other], events[other], time.time() + 5,
                     stop=lambda: any(e["what"] == "started" for e in events[other]))
        takeover = [e for e in events[other] if e["what"] == "started"]
        assert len(takeover) == 1, events[other]
        held_epoch = next(e["epoch"] for e in events[holder] if e["what"] == "started")
        assert takeover[0]["epoch"] == held_epoch + 1  # the fencing token moved on
        gap = takeover[0]["t"] - killed_at
        assert gap < 1.0 + 0.2 + 1.0  # ttl + renew period + slack for a busy machine
        # A clean stop releases the lease.
        procs[other].send_signal(signal.SIGINT)
        _wait_or_show_stacks(procs[other], errs[other], timeout_s=30)
        late = Lease(holder="late", ttl_s=5)
        assert late.acquire_or_renew() and late.epoch == takeover[0]["epoch"] + 1
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
