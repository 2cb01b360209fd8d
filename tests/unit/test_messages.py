"""Task threads, replies and @mentions (services/messages.py, services/mentions.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mission_control.errors import Invalid, NotFound
from mission_control.models import Activity, Message, Notification
from mission_control.services import mentions, messages


@pytest.fixture
def squad(make_agent):
    return {name: make_agent(name) for name in ("Friday", "Vision", "Loki")}


@pytest.fixture
def task(make_task):
    return make_task("Build export")


@pytest.fixture
def post(session, workspace, task):
    def do(body, actor, **kw):
        result = messages.post_message(
            session=session,
            workspace_id=workspace.id,
            task_id=kw.pop("task_id", task.id),
            body=body,
            actor=actor,
            **kw,
        )
        session.commit()
        return result

    return do


def _notes(session):
    return session.exec(select(Notification).order_by(Notification.id)).all()


def test_post_a_message_shows_in_the_thread_and_the_feed(
    session, workspace, task, op_actor, post, events
):
    events.clear()
    result = post("  Looks good, shipping tomorrow.  ", op_actor)
    assert result.message.body == "Looks good, shipping tomorrow."
    assert result.message.author_user_id == op_actor.id
    thread = messages.thread(session=session, workspace_id=workspace.id, task_id=task.id)
    assert [m.body for m in thread] == ["Looks good, shipping tomorrow."]
    feed = session.exec(select(Activity.text).order_by(Activity.id.desc())).first()
    assert feed == f"ops commented on #{task.id} “Build export”: Looks good, shipping tomorrow."
    assert [e.type for e in events] == ["message.posted"]
    assert events[0].payload["message_id"] == result.message.id


def test_reply_is_threaded_under_its_parent(session, workspace, task, op_actor, post):
    first = post("Question?", op_actor).message
    reply = post("Answer.", op_actor, parent_message_id=first.id).message
    assert reply.parent_message_id == first.id
    feed = session.exec(select(Activity.text).order_by(Activity.id.desc())).first()
    assert feed.startswith(f"ops replied on #{task.id}")


def test_reply_to_a_message_of_another_task_is_refused(
    session, workspace, task, make_task, op_actor, post, refused
):
    elsewhere = make_task("Other task")
    parent = post("On the other task", op_actor, task_id=elsewhere.id).message
    err = refused(
        Invalid,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=task.id,
        body="reply",
        actor=op_actor,
        parent_message_id=parent.id,
    )
    assert err.message == f"message {parent.id} belongs to task {elsewhere.id}, not {task.id}"


def test_reply_to_a_message_of_another_workspace_is_not_found(
    session, workspace, make_workspace, make_task, op_actor, post, refused
):
    other = make_workspace("other")
    their_task = make_task("Theirs", workspace_id=other.id)
    parent = messages.post_message(
        session=session, workspace_id=other.id, task_id=their_task.id, body="theirs", actor=op_actor
    ).message
    session.commit()
    mine = make_task("Mine")
    err = refused(
        NotFound,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=mine.id,
        body="reply",
        actor=op_actor,
        parent_message_id=parent.id,
    )
    assert err.message == f"message {parent.id} does not exist"


def test_posting_on_a_task_of_another_workspace_is_not_found(
    session, workspace, make_workspace, make_task, op_actor, refused
):
    other = make_workspace("other")
    their_task = make_task("Theirs", workspace_id=other.id)
    refused(
        NotFound,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=their_task.id,
        body="hi",
        actor=op_actor,
    )


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_message_is_refused(session, workspace, task, op_actor, refused, body):
    err = refused(
        Invalid,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=task.id,
        body=body,
        actor=op_actor,
    )
    assert err.message == "a message cannot be empty"
    assert err.details == {"fields": {"body": "required"}}


def test_an_unknown_message_type_is_refused(session, workspace, task, op_actor, refused):
    err = refused(
        Invalid,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=task.id,
        body="hi",
        type="rant",
        actor=op_actor,
    )
    assert err.message.startswith("'rant' is not a message type")


def test_mentioning_an_agent_and_an_operator_notifies_both(
    session, task, squad, operator, make_user, actor_for, post, events
):
    lead = make_user("lead")
    events.clear()
    result = post("@friday please stream rows. @ops FYI", actor_for(lead))
    assert result.notified == ["Friday", "ops"]
    assert result.unknown_mentions == []
    notes = _notes(session)
    assert [(n.kind, n.recipient_agent_id, n.recipient_user_id) for n in notes] == [
        ("mention", squad["Friday"].id, None),
        ("mention", None, operator.id),
    ]
    assert all(n.message_id == result.message.id and n.task_id == task.id for n in notes)
    assert (
        notes[0].text == f"lead mentioned you on #{task.id}: @friday please stream rows. @ops FYI"
    )
    assert [e.type for e in events].count("notification.created") == 2


def test_unknown_mentions_are_reported_not_dropped(session, squad, op_actor, post):
    result = post("@Friday and @Nobody and @ghost-", op_actor)
    assert result.notified == ["Friday"]
    assert result.unknown_mentions == ["Nobody", "ghost"]
    details = session.exec(select(Activity.details).order_by(Activity.id.desc())).first()
    assert details["unknown_mentions"] == ["Nobody", "ghost"]
    assert len(_notes(session)) == 1


def test_at_all_notifies_every_agent_but_the_author(session, squad, actor_for, post):
    result = post("Standup in 5, @all", actor_for(squad["Loki"]))
    assert sorted(result.notified) == ["Friday", "Vision"]
    assert sorted(n.recipient_agent_id for n in _notes(session)) == sorted(
        [squad["Friday"].id, squad["Vision"].id]
    )


def test_nobody_is_notified_of_their_own_mention(
    session, squad, operator, op_actor, actor_for, post
):
    assert post("note to self @Loki", actor_for(squad["Loki"])).notified == []
    assert post("note to self @ops", op_actor).notified == []
    assert _notes(session) == []


def test_the_same_name_twice_notifies_once(session, squad, op_actor, post):
    result = post("@Vision @vision @VISION", op_actor)
    assert result.notified == ["Vision"]
    assert len(_notes(session)) == 1


def test_email_addresses_are_not_mentions(session, squad, op_actor, post):
    result = post("mail friday@example.com or a@b.com", op_actor)
    assert result.notified == [] and result.unknown_mentions == []
    assert _notes(session) == []


def test_find_names():
    assert mentions.find_names("hi @Friday, @loki. cc a@b.com @friday (@Vision)") == [
        "Friday",
        "loki",
        "Vision",
    ]


def test_no_mentions_when_the_message_is_refused(
    session, workspace, task, squad, op_actor, refused
):
    refused(
        Invalid,
        messages.post_message,
        workspace_id=workspace.id,
        task_id=task.id,
        body="@Friday look",
        actor=op_actor,
        attachments=[{"url": "http://x"}],
    )
    assert session.exec(select(Message)).all() == []
