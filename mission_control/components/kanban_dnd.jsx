// Drag and drop for the Kanban board (dnd-kit). Reflex renders the cards; these wrappers
// only add behaviour: pointer, touch and keyboard dragging, and one onMove(card, column, index)
// event when a card is dropped somewhere new.
import React, { useRef } from "react";
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

export function KanbanBoard({ onMove, children, ...rest }) {
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
  return (
    <DndContext sensors={sensors} collisionDetection={closestCorners} onDragEnd={handleDragEnd}>
      <div {...rest}>{children}</div>
    </DndContext>
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

export function KanbanCard({ cardId, children, style, ...rest }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: cardId,
  });
  // Keys pressed inside the card's own buttons (its menu) must not pick the card up.
  const onKeyDown = (event) => {
    if (event.target === event.currentTarget && listeners?.onKeyDown) listeners.onKeyDown(event);
  };
  const merged = {
    ...style,
    transform: CSS.Transform.toString(transform),
    transition,
    opacity: isDragging ? 0.4 : 1,
    cursor: "grab",
    touchAction: "manipulation",
  };
  return (
    <div
      ref={setNodeRef}
      style={merged}
      {...attributes}
      {...listeners}
      onKeyDown={onKeyDown}
      aria-roledescription="draggable task card"
      {...rest}
    >
      {children}
    </div>
  );
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
