"""`mc` against a live server on 127.0.0.1: output, --json, exit codes, helpful errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from mission_control.cli.main import main


@pytest.fixture
def mc(live_url, monkeypatch, capsys):
    """Run `mc ARGS` in-process as the given key; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("MC_URL", live_url)

    def run(key: str, *args: str, stdin: str | None = None):
        monkeypatch.setenv("MC_API_KEY", key)
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_whoami_text_and_json(mc, squad):
    code, out, _ = mc(squad.a.tokens["agent"], "whoami")
    assert code == 0 and out.strip() == "Fridaya (agent, agent) in workspace a"
    code, out, _ = mc(squad.a.tokens["agent"], "whoami", "--json")
    assert code == 0 and json.loads(out)["id"] == squad.a.agent_id


def test_an_agent_works_its_tasks(mc, squad):
    key = squad.a.tokens["agent"]
    code, out, _ = mc(key, "tasks", "mine")
    assert (
        code == 0
        and out.startswith(f"#{squad.a.task_id}")
        and "Task of a" in out
        and "(Fridaya)" in out
    )
    code, out, _ = mc(key, "tasks", "move", str(squad.a.task_id), "in_progress")
    assert (code, out.strip()) == (0, f"#{squad.a.task_id} is now in_progress")
    code, out, _ = mc(key, "comment", str(squad.a.task_id), "draft is up @Visiona")
    assert code == 0 and "notified Visiona" in out
    code, out, _ = mc(key, "tasks", "show", str(squad.a.task_id))
    assert "draft is up @Visiona" in out and "Fridaya:" in out
    code, out, _ = mc(
        key, "tasks", "create", "Write tests", "--assign", "Visiona", "--priority", "high", "--json"
    )
    created = json.loads(out)
    assert (
        code == 0
        and created["status"] == "assigned"
        and created["assignee_ids"] == [squad.a.agent2_id]
    )
    code, out, _ = mc(key, "tasks", "assign", str(created["id"]), "fridaya")
    assert code == 0 and "Fridaya" in out and "Visiona" in out
    code, out, _ = mc(key, "tasks", "list", "--status", "assigned", "--json")
    assert [t["id"] for t in json.loads(out)["items"]] == [created["id"]]


def test_docs_get_and_put(mc, squad, tmp_path):
    key = squad.a.tokens["operator"]
    code, out, _ = mc(key, "docs", "get", str(squad.a.document_id))
    assert (code, out) == (0, "v1\n")
    code, out, _ = mc(
        key, "docs", "put", str(squad.a.document_id), "--base-version", "1", stdin="v2 from stdin"
    )
    assert code == 0 and "version 2" in out
    code, _, err = mc(
        key, "docs", "put", str(squad.a.document_id), "--base-version", "1", stdin="stale"
    )
    assert code == 7 and "changed since you opened it" in err
    page = tmp_path / "new.md"
    page.write_text("# New\n")
    code, out, _ = mc(key, "docs", "put", "--title", "New doc", "--file", str(page), "--json")
    assert code == 0 and json.loads(out)["content"] == "# New\n"
    code, out, _ = mc(key, "docs", "get", str(squad.a.document_id), "--version", "1")
    assert out == "v1\n"


def test_notifications(mc, squad):
    key = squad.a.tokens["agent"]
    code, out, _ = mc(key, "notifications", "--unread", "--mark-read")
    assert code == 0 and out.count("* ") == 2 and "marked 2 read" in out
    code, out, _ = mc(key, "notifications", "--unread")
    assert (code, out.strip()) == (0, "no notifications unread")


def test_exit_codes_and_helpful_errors(mc, squad, live_url, monkeypatch):
    code, _, err = mc("", "whoami")
    assert code == 3 and "MC_API_KEY" in err
    code, _, err = mc("mca_aaaaaaaa_wrong", "whoami")
    assert code == 3 and "unknown or has been revoked" in err
    code, _, err = mc(squad.a.tokens["agent"], "tasks", "show", "999999")
    assert code == 5 and "task 999999 does not exist" in err
    code, _, err = mc(squad.a.tokens["viewer"], "tasks", "create", "nope")
    assert code == 4 and "may not" in err
    code, _, err = mc(squad.a.tokens["agent"], "tasks", "move", str(squad.a.task2_id), "done")
    assert code == 6 and "one column at a time" in err
    code, out, _ = mc(
        squad.a.tokens["agent"], "tasks", "move", str(squad.a.task2_id), "sideways", "--json"
    )
    assert code == 6 and json.loads(out)["error"]["details"]["fields"]["status"]
    code, _, err = mc(squad.a.tokens["agent"], "tasks", "assign", str(squad.a.task_id), "Nobody")
    assert code == 5 and "no agent called 'Nobody'" in err
    code, _, _ = mc(squad.a.tokens["agent"], "tasks", "frobnicate")
    assert code == 2
    monkeypatch.setenv("MC_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    code, _, err = mc(squad.a.tokens["agent"], "whoami")
    assert code == 9 and "cannot reach Mission Control" in err


def test_audit_verify_catches_tampering_with_an_anchor(mc, squad, session, tmp_path):
    admin = squad.a.tokens["admin"]
    anchor = tmp_path / "anchor.json"
    code, out, _ = mc(admin, "audit", "verify", "--anchor", str(anchor))
    assert code == 0 and out.startswith("audit log intact")
    head = json.loads(anchor.read_text())["head_id"]
    session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=head))
    session.commit()
    code, out, _ = mc(admin, "audit", "verify", "--anchor", str(anchor))
    assert code == 11 and "AUDIT LOG TAMPERED" in out and "anchor row is missing" in out
    code, _, _ = mc(squad.a.tokens["operator"], "audit", "verify")
    assert code == 4


def test_the_console_script_exits_with_the_code(live_url, squad):
    mc_bin = Path(sys.executable).with_name("mc")
    if not mc_bin.exists():
        pytest.skip("the project is not installed in this environment (no `mc` script)")
    env = {**os.environ, "MC_URL": live_url, "MC_API_KEY": squad.a.tokens["viewer"]}
    done = subprocess.run(
        [str(mc_bin), "tasks", "create", "x"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 4 and "error:" in done.stderr
    done = subprocess.run(
        [str(mc_bin), "whoami", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and json.loads(done.stdout)["role"] == "viewer"


def test_working_md_get_and_put(mc, squad, tmp_path):
    key = squad.a.tokens["agent"]
    code, out, err = mc(key, "working-md", "get")
    assert code == 0 and out.startswith("# WORKING.md — Squad a") and err.strip() == "version 0"
    notes = tmp_path / "notes.md"
    notes.write_text("Focus: launch\n")
    code, out, _ = mc(key, "working-md", "put", str(notes), "--version", "0")
    assert (code, out.strip()) == (0, "WORKING.md is at version 1")
    code, _, err = mc(squad.a.tokens["operator"], "working-md", "put", "--version", "0", stdin="x")
    assert code == 7 and "changed since you read it" in err
    code, out, _ = mc(squad.a.tokens["operator"], "working-md", "put", "--append", stdin="QA too")
    assert code == 0 and "version 2" in out
    code, out, _ = mc(key, "working-md", "get", "--notes")
    assert out == "Focus: launch\n\nQA too\n"
    code, out, _ = mc(key, "working-md", "get", "--version", "1", "--json")
    assert code == 0 and json.loads(out)["notes"] == "Focus: launch\n"
    code, _, err = mc(key, "working-md", "put", stdin="no version")
    assert code == 2 and "--version" in err


def test_wake(mc, squad):
    code, out, _ = mc(squad.a.tokens["operator"], "wake", "Fridaya")
    assert (code, out.strip()) == (0, "woke Fridaya: wake sent to its WebSocket channel")
    code, out, _ = mc(squad.a.tokens["agent"], "notifications", "--unread")
    assert "operator-a asked you to wake up" in out
    code, _, err = mc(squad.a.tokens["agent"], "wake", "Visiona")
    assert code == 4 and "needs an operator" in err


def test_mcp_refuses_to_start_with_a_bad_key(mc):
    code, out, err = mc("mca_aaaaaaaa_wrong", "mcp")
    assert (code, out) == (3, "") and "unknown or has been revoked" in err


def test_memory_search_status_and_reindex(mc, squad, session, tmp_path):
    from mission_control.memory.edge_store import EdgeStore
    from mission_control.memory.embedder import get_embedder
    from mission_control.memory.indexer import index_pending
    from mission_control.memory.store import set_store

    store = EdgeStore(tmp_path / "edge")
    previous = set_store(store)
    try:
        code, out, _ = mc(squad.a.tokens["viewer"], "memory", "status")
        assert code == 0 and "waiting to be indexed" in out and not out.startswith("memory on (edge): 0")
        session.commit()
        index_pending(session, store, get_embedder())
        code, out, _ = mc(squad.a.tokens["viewer"], "memory", "search", "a specification document")
        assert code == 0 and f"/documents/{squad.a.document_id} “Spec”" in out.splitlines()[0]
        code, out, _ = mc(squad.a.tokens["viewer"], "memory", "search", "anything", "--json", "-k", "1")
        assert code == 0 and len(json.loads(out)) == 1
        code, out, _ = mc(squad.a.tokens["admin"], "memory", "reindex")
        assert code == 0 and out.startswith("queued ")
        code, _, err = mc(squad.a.tokens["viewer"], "memory", "reindex")
        assert code == 4
    finally:
        set_store(previous)
        store.close()
