"""The live push without a server: what each tab is sent when the board changes.

Tabs are Reflex states built in memory; the deltas are the ones Reflex would send them.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.state.board import BoardState
from mission_control.state.live_emit import delta_key
from mission_control.state.live_shared import SharedReads

BOARD = BoardState.get_full_name()
WS = 1


def _card(id: int, title: str, priority: str = "medium", status: str = "inbox") -> dict[str, Any]:
    return {"id": id, "title": title, "priority": priority, "status": status,
            "assignees": [], "due_at": "", "blocked_by": 0}


def _snapshot(*cards: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, list[dict[str, Any]]] = {c: [] for c in ("inbox", "assigned", "in_progress", "review", "done")}
    for card in cards:
        columns[card["status"]].append(card)
    return {"columns": columns, "agents": [], "messages_today": 0, "feed": []}


class Tab:
    def __init__(self, priority: str = "all") -> None:
        self.root = rx.State(_reflex_internal_init=True)
        self.board = self.root.get_substate(BOARD.split(".")[1:])
        self.board.filter_priority = priority
        self.root._clean()

    def push(self, shared: SharedReads) -> dict[str, Any]:
        """One live round: the shared view for this tab's filters; returns the delta sent."""
        self.board.show_view(shared.board(WS, self.board.filters()))
        delta = self.root.get_delta()
        self.root._clean()
        return delta

    def titles(self, delta: dict[str, Any], column: str = "inbox") -> list[str]:
        return [c.title for c in delta[BOARD][f"{column}_rx_state_"]]


def test_a_tab_is_sent_only_the_columns_that_changed():
    tab = Tab()
    first = SharedReads({WS: _snapshot(_card(1, "Ship it"))})
    assert tab.titles(tab.push(first)) == ["Ship it"]

    again = SharedReads({WS: _snapshot(_card(1, "Ship it"))}, first)
    assert tab.push(again) == {}  # nothing changed: nothing is sent

    done = SharedReads({WS: _snapshot(_card(1, "Ship it"), _card(2, "Shipped", status="done"))}, again)
    delta = tab.push(done)[BOARD]
    assert sorted(delta) == ["counts_rx_state_", "done_rx_state_"]  # the inbox is left out
    assert [c.title for c in delta["done_rx_state_"]] == ["Shipped"]


def test_each_tab_sees_its_own_filters_and_alike_tabs_share_one_update():
    tabs = [Tab(), Tab(), Tab(priority="high")]
    for tab in tabs:
        tab.push(SharedReads({WS: _snapshot()}))
    shared = SharedReads({WS: _snapshot(_card(1, "Fix prod", "high"), _card(2, "Tidy up", "low"))})
    deltas = [tab.push(shared) for tab in tabs]

    assert tabs[0].titles(deltas[0]) == tabs[1].titles(deltas[1]) == ["Fix prod", "Tidy up"]
    assert tabs[2].titles(deltas[2]) == ["Fix prod"]
    keys = [delta_key(d, shared.ids) for d in deltas]
    assert keys[0] is not None and keys[0] == keys[1]  # one serialization for both
    assert keys[2] != keys[0]


def test_updates_that_only_look_alike_are_not_shared():
    shared: set[int] = set()
    assert delta_key({"s": {"v": True}}, shared) != delta_key({"s": {"v": 1}}, shared)  # true vs 1
    big = [{"title": str(i)} for i in range(3)]  # not from the shared reads: this tab's own
    assert delta_key({"s": {"items": big}}, shared) is None
    assert delta_key({"s": {"names": ["all", "Friday"]}}, shared) == delta_key({"s": {"names": ["all", "Friday"]}}, shared)
