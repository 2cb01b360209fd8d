// The board's client side: drag and drop (dnd-kit) with pointer, touch and keyboard, one
// onMove(card, column, index) event when a card lands somewhere new or is moved by its menu,
// and the task card itself.
//
// The card is plain markup with Radix Themes' class names (it looks the same as rx.card, badges
// and links) in one memoized component: built from Reflex components it was ~66 React
// components per card, most of the board's first render; here it is about ten, and a live
// update re-renders only the cards that changed. Its move menu mounts Radix's DropdownMenu on
// first use, so closed menus cost nothing.
import React, { createContext, memo, useContext, useRef, useState, useSyncExternalStore } from "react";
import { useNavigate } from "react-router";
import { DropdownMenu } from "@radix-ui/themes";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  TouchSensor,
  closestCorners,
  useDroppable,
  useSensor,
  useSensors,
} from "@dnd-kit/core";
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";

const cardNumber = (id) => Number(String(id).replace("card-", ""));
const columnKey = (id) => String(id).replace("col-", "");

// What a card needs from the board (the columns its menu offers, the move event, the router's
// navigate), read when used: the context value itself never changes, so it re-renders no card.
const BoardContext = createContext({ current: { columns: [], onMove: null, navigate: null, readOnlyReason: "" } });

export function KanbanBoard({ onMove, columns, readOnlyReason, children, ...rest }) {
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 150, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const handleDragEnd = ({ active, over }) => {
    if (!over || !onMove) return;
    const from = active.data.current?.sortable;
    const overSortable = over.data.current?.sortable;
    const to = overSortable ? overSortable.containerId : over.id;
    const index = overSortable ? overSortable.index : over.data.current?.count ?? 0;
    if (from && from.containerId === to && from.index === index) return;
    onMove(cardNumber(active.id), columnKey(to), index);
  };
  const navigate = useNavigate();
  const board = useRef(null);
  board.current = { columns: columns || [], onMove, navigate, readOnlyReason: readOnlyReason || "" };
  return (
    <BoardContext.Provider value={board}>
      <DndContext sensors={sensors} collisionDetection={closestCorners} onDragEnd={handleDragEnd}>
        <div {...rest}>{children}</div>
      </DndContext>
    </BoardContext.Provider>
  );
}

export function KanbanColumn({ columnId, items, children, ...rest }) {
  const ids = items || [];
  const { setNodeRef, isOver } = useDroppable({ id: columnId, data: { count: ids.length } });
  return (
    <SortableContext id={columnId} items={ids} strategy={verticalListSortingStrategy}>
      <div ref={setNodeRef} data-over={isOver ? "true" : "false"} {...rest}>
        {children}
      </div>
    </SortableContext>
  );
}

const PRIORITY_COLORS = { low: "gray", high: "orange", urgent: "red" };

// Module-level elements: mounted like any other, but never re-rendered.
const icon = (size, ...shapes) => (
  <svg xmlns="http://www.w3.org/2000/svg" width={size} height={size} viewBox="0 0 24 24" fill="none"
    stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    {shapes}
  </svg>
);
const LOCK = icon(11, <rect key="r" width="18" height="11" x="3" y="11" rx="2" ry="2" />,
  <path key="p" d="M7 11V7a5 5 0 0 1 10 0v4" />);
const ELLIPSIS = icon(12, <circle key="a" cx="12" cy="12" r="1" />, <circle key="b" cx="19" cy="12" r="1" />,
  <circle key="c" cx="5" cy="12" r="1" />);
const CALENDAR = icon(12, <path key="a" d="M8 2v4" />, <path key="b" d="M16 2v4" />,
  <rect key="r" width="18" height="18" x="3" y="4" rx="2" />, <path key="c" d="M3 10h18" />);

const badge = (variant) => `rt-reset rt-Badge rt-r-size-1 rt-variant-${variant}`;

// The ⋯ button is a plain button until first used; then it becomes the trigger of a Radix menu
// (focus, arrow keys, Escape, typeahead) and stays one.
function MoveMenu({ card, readOnly }) {
  const board = useContext(BoardContext);
  const [open, setOpen] = useState(false);
  const [armed, setArmed] = useState(false);
  if (readOnly) {
    return (
      <button type="button" aria-label="Move task" data-testid="move-menu" disabled title={board.current.readOnlyReason}
        data-accent-color="" className="rt-reset rt-BaseButton rt-r-size-1 rt-variant-ghost rt-IconButton"
        style={{ padding: "6px" }}>
        {ELLIPSIS}
      </button>
    );
  }
  const arm = () => {
    setArmed(true);
    setOpen(true);
  };
  const trigger = (
    <button type="button" aria-label="Move task" data-testid="move-menu" aria-haspopup="menu"
      aria-expanded={open} data-accent-color="" className="rt-reset rt-BaseButton rt-r-size-1 rt-variant-ghost rt-IconButton"
      style={{ padding: "6px" }}
      onPointerDown={armed ? undefined : (e) => { if (e.button === 0 && !e.ctrlKey) arm(); }}
      onKeyDown={armed ? undefined : (e) => { if (["Enter", " ", "ArrowDown"].includes(e.key)) { e.preventDefault(); arm(); } }}>
      {ELLIPSIS}
    </button>
  );
  if (!armed) return trigger;
  return (
    <DropdownMenu.Root open={open} onOpenChange={setOpen}>
      <DropdownMenu.Trigger>{trigger}</DropdownMenu.Trigger>
      <DropdownMenu.Content>
        {board.current.columns.map(([key, title]) => (
          <DropdownMenu.Item key={key} disabled={card.status === key} onSelect={() => board.current.onMove?.(card.id, key, -1)}>
            {`Move to ${title}`}
          </DropdownMenu.Item>
        ))}
      </DropdownMenu.Content>
    </DropdownMenu.Root>
  );
}

const sameCard = (a, b) =>
  a.id === b.id && a.title === b.title && a.priority === b.priority && a.status === b.status &&
  a.due_at === b.due_at && a.blocked_by === b.blocked_by &&
  (a.assignees || []).join("\n") === (b.assignees || []).join("\n");

// A plain link (a router <Link> per card resolved its path on every render); a plain click
// navigates inside the app, modified clicks (new tab, ...) stay the browser's.
function openInApp(event, navigate) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || !navigate) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute("href"));
}

export const TaskCard = memo(
  function TaskCard({ card, readOnly }) {
    const board = useContext(BoardContext);
    const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
      id: `card-${card.id}`,
      disabled: !!readOnly,
    });
    // Keys pressed inside the card's own buttons (its menu) must not pick the card up.
    const onKeyDown = (event) => {
      if (event.target === event.currentTarget && listeners?.onKeyDown) listeners.onKeyDown(event);
    };
    const style = {
      width: "100%",
      transform: CSS.Transform.toString(transform),
      transition,
      opacity: isDragging ? 0.4 : 1,
      cursor: readOnly ? "default" : "grab",
      touchAction: "manipulation",
    };
    const assignees = card.assignees || [];
    return (
      <div ref={setNodeRef} style={style} {...attributes} {...listeners} onKeyDown={onKeyDown}
        aria-roledescription={readOnly ? "task card" : "draggable task card"} aria-disabled={readOnly ? "true" : undefined}
        title={readOnly ? board.current.readOnlyReason : undefined} data-task-id={card.id} data-testid="task-card">
        <div className="rt-reset rt-BaseCard rt-Card rt-r-size-1 rt-variant-surface" style={{ width: "100%" }}>
          <div className="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-2">
            <div className="rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-2" style={{ width: "100%" }}>
              <p data-accent-color="gray" className="rt-Text rt-r-size-1">#{card.id}</p>
              <span data-accent-color={PRIORITY_COLORS[card.priority] || "blue"} className={badge("soft")}>{card.priority}</span>
              {card.blocked_by > 0 && (
                <span data-accent-color="red" className={badge("soft")} title="Waiting on unfinished dependencies">
                  {LOCK}blocked
                </span>
              )}
              <div style={{ flex: 1 }} />
              <MoveMenu card={card} readOnly={readOnly} />
            </div>
            <a href={`/tasks/${card.id}`} onClick={(e) => openInApp(e, board.current.navigate)} data-accent-color="gray"
              className="rt-Text rt-reset rt-Link rt-r-size-2 rt-r-weight-medium rt-underline-auto rt-high-contrast task-title">
              {card.title}
            </a>
            {assignees.length > 0 && (
              <div className="rt-Flex rt-r-fd-row rt-r-ai-start rt-r-fw-wrap rt-r-gap-1">
                {assignees.map((name) => (
                  <span key={name} data-accent-color="" className={badge("outline")}>@{name}</span>
                ))}
              </div>
            )}
            {card.due_at && (
              <div className="rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-1" style={{ color: "var(--gray-10)" }}>
                {CALENDAR}
                <p className="rt-Text rt-r-size-1">due <RelativeTime date={card.due_at} /></p>
              </div>
            )}
          </div>
        </div>
      </div>
    );
  },
  (prev, next) => prev.readOnly === next.readOnly && sameCard(prev.card, next.card),
);

// One line of the live activity feed, plain markup like the card (an rx.avatar, two texts and a
// moment per line were ~22 React components and three renders while the avatar settled).
export const FeedItem = memo(
  function FeedItem({ item }) {
    const initials = (item.actor_name || "").slice(0, 2);
    return (
      <div data-testid="feed-item" data-activity-id={item.id} className="rt-Flex rt-r-fd-row rt-r-ai-start rt-r-gap-2"
        style={{ paddingTop: "6px", paddingBottom: "6px", borderBottom: "1px solid var(--gray-4)", width: "100%" }}>
        <span data-accent-color={item.actor_type === "agent" ? "indigo" : "gray"} data-radius="full"
          className="rt-reset rt-AvatarRoot rt-r-size-1 rt-variant-soft">
          <span className={`rt-AvatarFallback ${initials.length > 1 ? "rt-two-letters" : "rt-one-letter"}`}>{initials}</span>
        </span>
        <div className="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-0">
          <p className="rt-Text rt-r-size-1">{item.text}</p>
          <p data-accent-color="gray" className="rt-Text rt-r-size-1"><RelativeTime date={item.created_at} /></p>
        </div>
      </div>
    );
  },
  (prev, next) =>
    prev.item.id === next.item.id && prev.item.text === next.item.text &&
    prev.item.created_at === next.item.created_at && prev.item.actor_name === next.item.actor_name &&
    prev.item.actor_type === next.item.actor_type,
);

// "3 minutes ago" / "in 2 days", worded like moment's fromNow, without loading moment. Every
// instance follows one shared clock that ticks once a minute.
const clock = {
  now: Date.now(),
  listeners: new Set(),
  timer: null,
  subscribe(listener) {
    clock.listeners.add(listener);
    if (!clock.timer) {
      clock.timer = setInterval(() => {
        clock.now = Date.now();
        clock.listeners.forEach((l) => l());
      }, 60000);
    }
    return () => {
      clock.listeners.delete(listener);
      if (!clock.listeners.size) {
        clearInterval(clock.timer);
        clock.timer = null;
      }
    };
  },
};
const nowSnapshot = () => clock.now;

function fromNow(ms) {
  const s = Math.abs(ms) / 1000;
  const m = s / 60, h = m / 60, d = h / 24;
  const text =
    s < 45 ? "a few seconds" : s < 90 ? "a minute" : m < 45 ? `${Math.round(m)} minutes`
    : m < 90 ? "an hour" : h < 22 ? `${Math.round(h)} hours` : h < 36 ? "a day"
    : d < 26 ? `${Math.round(d)} days` : d < 45 ? "a month" : d < 320 ? `${Math.round(d / 30.4)} months`
    : d < 548 ? "a year" : `${Math.round(d / 365)} years`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

export function RelativeTime({ date }) {
  useSyncExternalStore(clock.subscribe, nowSnapshot, nowSnapshot); // re-render on the minute
  const at = Date.parse(date);
  if (!date || Number.isNaN(at)) return null;
  return <time dateTime={new Date(at).toISOString()}>{fromNow(at - Date.now())}</time>;
}

// Tells the server whether the reader has scrolled away from the newest items, so new ones
// can wait behind a "N new" pill instead of moving the text being read.
export function ScrollWatch({ onScrolledChange, threshold = 24, children, ...rest }) {
  const last = useRef(false);
  const onScroll = (event) => {
    const scrolled = event.currentTarget.scrollTop > threshold;
    if (scrolled !== last.current) {
      last.current = scrolled;
      if (onScrolledChange) onScrolledChange(scrolled);
    }
  };
  return (
    <div onScroll={onScroll} {...rest}>
      {children}
    </div>
  );
}
