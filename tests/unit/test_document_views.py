"""What the documents pages show: the filtered list, the history, and the side-by-side diff."""

from __future__ import annotations

import pytest

from mission_control.errors import Invalid, NotFound
from mission_control.services import document_views, documents
from mission_control.services.actor import Actor
from mission_control.services.textdiff import MAX_CHANGED_LINES


@pytest.fixture
def docs(session, workspace, make_task, make_agent, op_actor, actor_for):
    task = make_task("Launch")
    loki = actor_for(make_agent("Loki", role="writer"))
    post = documents.create_document(
        session=session, workspace_id=workspace.id, title="Launch post", content="Hello 100% world",
        task_id=task.id, actor=loki,
    )
    notes = documents.create_document(
        session=session, workspace_id=workspace.id, title="Competitor notes", content="pricing tiers",
        type="research", actor=op_actor,
    )
    session.commit()
    return {"post": post, "notes": notes, "task": task, "loki": loki}


def _titles(session, workspace, **kw):
    return [d["title"] for d in document_views.document_list(session=session, workspace_id=workspace.id, **kw)]


def test_list_filters_by_type_and_matches_title_or_content(session, workspace, docs):
    assert sorted(_titles(session, workspace)) == ["Competitor notes", "Launch post"]
    assert _titles(session, workspace, type="research") == ["Competitor notes"]
    assert _titles(session, workspace, text="LAUNCH") == ["Launch post"]
    assert _titles(session, workspace, text="pricing") == ["Competitor notes"]
    assert _titles(session, workspace, text="100%") == ["Launch post"]  # % is a character, not a wildcard
    assert _titles(session, workspace, text="0%w") == []
    assert _titles(session, workspace, text="nothing like this") == []


def test_list_shows_the_linked_task_and_newest_change_first(session, workspace, docs, op_actor):
    documents.update_document(
        session=session, workspace_id=workspace.id, document_id=docs["post"].id, content="v2", actor=op_actor
    )
    session.commit()
    rows = document_views.document_list(session=session, workspace_id=workspace.id)
    assert [(r["title"], r["version"], r["task_title"]) for r in rows] == [
        ("Launch post", 2, "Launch"),
        ("Competitor notes", 1, ""),
    ]


def test_list_refuses_an_unknown_type(session, workspace, docs):
    with pytest.raises(Invalid, match="'memo' is not a document type"):
        document_views.document_list(session=session, workspace_id=workspace.id, type="memo")


def test_detail_lists_versions_newest_first_with_their_authors(session, workspace, docs, op_actor):
    doc_id = docs["post"].id
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id, content="v2", actor=op_actor)
    session.commit()
    detail = document_views.document_detail(session=session, workspace_id=workspace.id, document_id=doc_id)
    assert (detail["version"], detail["content"], detail["task_title"]) == (2, "v2", "Launch")
    assert [(v["version"], v["author"]) for v in detail["versions"]] == [(2, "ops"), (1, "Loki")]


def test_detail_of_another_workspace_is_not_found(session, make_workspace, docs):
    other = make_workspace("other")
    with pytest.raises(NotFound):
        document_views.document_detail(session=session, workspace_id=other.id, document_id=docs["post"].id)


def test_side_by_side_pairs_changed_lines_and_folds_long_unchanged_runs():
    old = "\n".join(f"line {i}" for i in range(1, 21))
    new = old.replace("line 2\n", "line two\n") + "\nline 21"
    rows = document_views.side_by_side(old, new)
    kinds = [r["kind"] for r in rows]
    assert kinds == ["equal", "changed", "equal", "equal", "equal", "skip", "equal", "equal", "equal", "added"]
    assert (rows[1]["left"], rows[1]["right"]) == ("line 2", "line two")
    assert rows[5]["left"] == "12 unchanged lines"
    assert (rows[-1]["left_no"], rows[-1]["right_no"], rows[-1]["right"]) == ("", "21", "line 21")


def test_diff_against_previous_and_against_current(session, workspace, docs, op_actor):
    doc_id = docs["post"].id
    for text in ("Hello\nworld", "Hello\nthere\nworld"):
        documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id, content=text, actor=op_actor)
    session.commit()

    def diff(version, against="previous"):
        return document_views.version_diff(
            session=session, workspace_id=workspace.id, document_id=doc_id, version=version, against=against
        )

    d3 = diff(3)
    assert (d3["left_version"], d3["right_version"], d3["added"], d3["removed"]) == (2, 3, 1, 0)
    assert [(r["kind"], r["right"]) for r in d3["rows"]] == [("equal", "Hello"), ("added", "there"), ("equal", "world")]
    first = diff(1)
    assert first["left_version"] == 0 and [r["kind"] for r in first["rows"]] == ["added"]
    vs_current = diff(1, "current")
    assert (vs_current["left_version"], vs_current["right_version"]) == (1, 3)
    with pytest.raises(NotFound, match="has no version 9"):
        diff(9)


def test_versions_too_different_to_compare_say_so_instead_of_diffing(session, workspace, docs, op_actor):
    """Comparing is cubic in the worst case and versions come from anyone: past the cap the
    diff is refused with a reason, and a big document with a small edit still diffs."""
    doc_id = docs["post"].id
    rewrite = "\n".join(f"rewritten line {i}" for i in range(MAX_CHANGED_LINES + 1))
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id, content=rewrite, actor=op_actor)
    big = "\n".join(f"line {i}" for i in range(20_000))
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id, content=big, actor=op_actor)
    edited = big.replace("line 10000\n", "line ten thousand\n")
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id, content=edited, actor=op_actor)
    session.commit()

    refused = document_views.version_diff(session=session, workspace_id=workspace.id, document_id=doc_id, version=2)
    assert refused["too_large"] and refused["rows"] == []
    assert f"{MAX_CHANGED_LINES + 1} lines differ" in refused["note"]
    small_edit = document_views.version_diff(session=session, workspace_id=workspace.id, document_id=doc_id, version=4)
    assert not small_edit["too_large"]
    assert [(r["left"], r["right"]) for r in small_edit["rows"] if r["kind"] == "changed"] == [
        ("line 10000", "line ten thousand")]


def test_an_adversarial_draft_is_refused_before_it_is_compared(session, workspace, docs):
    """2,000 lines of "a" against 1,000 of "a", "b" took 105 s to compare before the cap."""
    doc_id = docs["post"].id
    draft = "\n".join(["a", "b"] * 1000)
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc_id,
                              content="\n".join(["a"] * 2000), actor=Actor.system("test"))
    session.commit()
    diff = document_views.draft_diff(session=session, workspace_id=workspace.id, document_id=doc_id, draft=draft)
    assert diff["too_large"] and "too large to diff" in diff["note"]
