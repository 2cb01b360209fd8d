"""A tab's live-push round, with each distinct update serialized once per push.

`app.modify_state` serializes every tab's delta on its own, although the tabs that show the
same board with the same filters get the very same objects (state/live_shared.py) and so the
very same update. `tab_round` does what `app.modify_state` does (lock the tab's state, let
the caller change it, compute and clear the delta, send it while still holding the lock, so
it cannot overtake or be overtaken by the tab's own events), but hands the delta to a
`DeltaSender`, which encodes each distinct update once and writes the same packet to every
socket that needs it. A tab whose socket another worker holds goes through Reflex's own
relay (`emit_update`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Hashable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from engineio import packet as eio_packet
from reflex_base.constants import SocketEvent
from reflex_base.event.context import EventContext
from socketio import packet as sio_packet

if TYPE_CHECKING:
    import reflex as rx
    from reflex.state import BaseState

_SCALARS = (str, int, float, bool, type(None))
_SMALL = 64


def _freeze(value: Any, shared: set[int]) -> Hashable | None:
    """A key equal for equal values: shared objects by identity, small plain ones by value;
    None for anything else (that update is then serialized for its tab alone)."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)  # the type too: True == 1, but "true" != "1"
    if id(value) in shared:
        return ("shared", id(value))
    if kind is list and len(value) <= _SMALL and all(type(v) in _SCALARS for v in value):
        return ("list", tuple((type(v), v) for v in value))
    if kind is dict and len(value) <= _SMALL and all(type(v) in _SCALARS for v in value.values()):
        return ("dict", tuple(sorted(((k, type(v), v) for k, v in value.items()), key=itemgetter(0))))
    return None


def delta_key(delta: dict[str, dict[str, Any]], shared: set[int]) -> Hashable | None:
    parts = []
    for state_name, values in delta.items():
        for name, value in values.items():
            frozen = _freeze(value, shared)
            if frozen is None:
                return None
            parts.append((state_name, name, frozen))
    parts.sort(key=itemgetter(0, 1))
    return tuple(parts)


class DeltaSender:
    """Sends deltas for one push; `shared` holds the ids of the objects the push shares."""

    def __init__(self, app: rx.App, shared: set[int]) -> None:
        assert app.event_namespace is not None
        self._ns = app.event_namespace
        self._shared = shared
        self._packets: dict[Hashable, list[eio_packet.Packet]] = {}
        self.encoded = 0  # how many updates were serialized (the rest reused a packet)

    def _encode(self, update: Any) -> list[eio_packet.Packet]:
        server = self._ns.server
        encoded = server.packet_class(
            sio_packet.EVENT, namespace=self._ns.namespace, data=[str(SocketEvent.EVENT), update]
        ).encode()
        self.encoded += 1
        return [eio_packet.Packet(eio_packet.MESSAGE, p) for p in (encoded if isinstance(encoded, list) else [encoded])]

    async def send(self, token: str, delta: dict[str, dict[str, Any]]) -> None:
        from reflex.state import StateUpdate

        tokens = self._ns._token_manager
        record = tokens.token_to_socket.get(token)
        if record is None or record.instance_id != tokens.instance_id:
            await self._ns.emit_update(StateUpdate(delta=delta), token)
            return
        eio_sid = self._ns.server.manager.eio_sid_from_sid(record.sid, self._ns.namespace)
        if eio_sid is None:  # the socket just went away
            return
        key = delta_key(delta, self._shared)
        packets = self._packets.get(key) if key is not None else None
        if packets is None:
            packets = self._encode(StateUpdate(delta=delta))
            if key is not None:
                self._packets[key] = packets
        for p in packets:
            await self._ns.server._send_eio_packet(eio_sid, p)


@contextlib.asynccontextmanager
async def tab_round(app: rx.App, token: rx.BaseStateToken, sender: DeltaSender) -> AsyncIterator[BaseState]:
    """`app.modify_state(token)`, but the delta goes out through `sender`."""
    with app.set_contexts(), contextlib.ExitStack() as rebind:
        try:  # as app.modify_state: the event context names the tab being modified
            forked = EventContext.get().fork(token=token.ident)
        except LookupError:
            pass
        else:
            rebind.callback(EventContext.reset, EventContext.set(forked))
        async with app.state_manager.modify_state_with_links(token) as root:
            yield root
            delta = await root._get_resolved_delta()
            root._clean()
            if delta:
                await sender.send(token.ident, delta)
