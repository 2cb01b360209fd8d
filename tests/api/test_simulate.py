"""`mc simulate` against a live server: simulated agents carry tasks across the whole board
through the public API, leaving the trail real agents would (comments, documents, history),
and their keys are revoked afterwards."""

from __future__ import annotations

import json

from sqlmodel import func, select

from mission_control.models import ApiKey, Document, Message, Task, TaskStatus
from mission_control.services import tasks
from mission_control.services.actor import Actor

from .test_cli import mc  # noqa: F401  (fixture)


def test_simulated_squad_moves_tasks_to_done(mc, squad, session):  # noqa: F811
    code, out, err = mc(
        squad.a.tokens["admin"], "simulate", "--agents", "3", "--tasks", "4",
        "--duration", "30", "--pace", "0", "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["errors"] == {} or set(report["errors"]) <= {"take:conflict", "take:invalid"}
    session.expire_all()
    sim_tasks = session.exec(select(Task).where(Task.title.startswith("Simulated task"))).all()  # type: ignore[attr-defined]
    assert len(sim_tasks) == 4
    # The run ends early once everything is done; every task went the whole way.
    assert {t.status for t in sim_tasks} == {TaskStatus.done}
    assert report["tasks_done"] == 4 and report["seconds"] < 30
    ids = [t.id for t in sim_tasks]
    docs = session.exec(select(func.count()).select_from(Document).where(Document.task_id.in_(ids))).one()  # type: ignore[union-attr]
    notes = session.exec(select(func.count()).select_from(Message).where(Message.task_id.in_(ids))).one()  # type: ignore[union-attr]
    assert docs == 4 and notes >= 8
    keys = session.exec(select(ApiKey).where(ApiKey.name == "simulate")).all()
    assert len(keys) == 3 and all(k.revoked_at is not None for k in keys)
    # A second run reuses the same three agents.
    code, out, err = mc(
        squad.a.tokens["admin"], "simulate", "--agents", "3", "--tasks", "0", "--duration", "1",
        "--json",
    )
    assert code == 0, err
    code, out, _ = mc(squad.a.tokens["admin"], "whoami")
    from mission_control.models import Agent

    session.expire_all()
    names = [a.name for a in session.exec(select(Agent).where(Agent.name.startswith("Sim"))).all()]  # type: ignore[attr-defined]
    assert sorted(names) == ["Sim0", "Sim1", "Sim2"]


def test_a_squad_of_one_works_alone(mc, squad):  # noqa: F811
    code, out, err = mc(
        squad.a.tokens["admin"], "simulate", "--agents", "1", "--tasks", "2",
        "--duration", "30", "--pace", "0", "--json",
    )
    assert code == 0, err  # it used to crash looking for a teammate to @mention
    assert json.loads(out)["tasks_done"] == 2


def test_older_inbox_work_does_not_hide_the_simulators_tasks(mc, squad, session):  # noqa: F811
    # More inbox cards than one page of the list (200) were there before the run.
    for i in range(210):
        tasks.create_task(session=session, workspace_id=squad.a.workspace_id,
                          data={"title": f"Backlog item {i}"}, actor=Actor.system("test"))
    session.commit()
    code, out, err = mc(
        squad.a.tokens["admin"], "simulate", "--agents", "2", "--tasks", "3",
        "--duration", "30", "--pace", "0", "--json",
    )
    assert code == 0, err
    assert json.loads(out)["tasks_done"] == 3
    session.expire_all()
    backlog = session.exec(select(Task).where(Task.title.startswith("Backlog item"))).all()  # type: ignore[attr-defined]
    assert {t.status for t in backlog} == {TaskStatus.inbox}  # nobody else's work was taken


def test_simulate_needs_an_admin(mc, squad):  # noqa: F811
    code, _, err = mc(squad.a.tokens["agent"], "simulate", "--agents", "1", "--tasks", "1")
    assert code == 4 and "admin" in err.lower()


def test_make_run_simulator_plays_the_squad_and_revokes_its_token(live_url, squad, session, capsys):
    """`make run SIMULATE=1` starts tools/demo.py beside the app: it waits for the app, works
    the board with a token issued for the run, and leaves no usable token behind."""
    from mission_control.tools import demo

    port = live_url.rsplit(":", 1)[1]
    code = demo.main(["--port", port, "--workspace", "a", "--agents", "2", "--tasks", "3",
                      "--pace", "0", "--duration", "30", "--wait", "10"])
    assert code == 0
    out = capsys.readouterr().out
    assert "3 tasks done" in out
    session.expire_all()
    done = session.exec(select(Task).where(Task.workspace_id == squad.a.workspace_id,
                                           Task.status == TaskStatus.done,
                                           Task.title.startswith("Simulated task"))).all()  # type: ignore[attr-defined]
    assert len(done) == 3
    tokens = session.exec(select(ApiKey).where(ApiKey.name == demo.TOKEN_NAME)).all()
    assert len(tokens) == 1 and tokens[0].revoked_at is not None


def test_make_run_simulator_gives_up_when_the_app_never_starts(capsys):
    from mission_control.tools import demo
    from mission_control.tools.appserver import free_port

    assert demo.main(["--port", str(free_port()), "--wait", "1"]) == 1
    assert "did not come up" in capsys.readouterr().out
