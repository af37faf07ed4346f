// The mouse: HTML5 drag and drop. A card dropped on a cell moves there; dropped on the list of
// sessions to schedule, it is unscheduled; its handle (plenary items and blocks) dragged to a
// cell makes it end with that cell's row.

import { byId } from "./dom.js";
import { move, resize, unschedule } from "./editor.js";
import { resizedMinutes } from "./grid.js";
import { cancel } from "./pickup.js";

// A cell of the grid, or the list of sessions to schedule, under the pointer.
function dropTarget(node) {
  if (!node || !node.closest) {
    return null;
  }
  return node.closest("td.slot-cell") || node.closest("#unscheduled-zone");
}

// Marks the place the card would be dropped on (ed.dragging.over).
function markOver(ed, target) {
  const over = ed.dragging ? ed.dragging.over : null;
  if (over === target) {
    return;
  }
  if (over) {
    over.classList.remove("drop-over");
  }
  if (ed.dragging) {
    ed.dragging.over = target;
  }
  if (target) {
    target.classList.add("drop-over");
  }
}

function endDrag(ed) {
  markOver(ed, null);
  if (ed.dragging) {
    const card = byId("card-" + ed.dragging.id);
    if (card) {
      card.classList.remove("is-dragging");
    }
  }
  if (ed.zone) {
    ed.zone.classList.remove("drop-zone--active");
  }
  ed.dragging = null;
}

function onDragStart(ed, event) {
  if (!ed.state || !event.target.closest) {
    return;
  }
  const handle = event.target.closest(".card__resize");
  const card = event.target.closest(".card");
  if (!card) {
    return;
  }
  cancel(ed, true);
  const id = card.getAttribute("data-session");
  ed.dragging = { id, mode: handle ? "resize" : "move", over: null };
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", id);
  card.classList.add("is-dragging");
  if (ed.zone) {
    ed.zone.setAttribute("data-hint", ed.t("unschedule_here"));
    ed.zone.classList.add("drop-zone--active");
  }
}

function onDragOver(ed, event) {
  const target = dropTarget(event.target);
  if (!ed.dragging || !target || (ed.dragging.mode === "resize" && target === ed.zone)) {
    markOver(ed, null);
    return;
  }
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  markOver(ed, target);
}

function onDrop(ed, event) {
  const target = dropTarget(event.target);
  const drag = ed.dragging;
  endDrag(ed);
  if (!drag || !target) {
    return;
  }
  event.preventDefault();
  const session = ed.byId[drag.id];
  if (!session) {
    return;
  }
  if (target === ed.zone) {
    unschedule(ed, drag.id);
  } else if (drag.mode === "resize") {
    const cellStart = target.getAttribute("data-starts-at");
    resize(ed, drag.id, resizedMinutes(session.starts_at, cellStart, ed.state.granularity));
  } else {
    move(ed, drag.id, target.getAttribute("data-room"), target.getAttribute("data-start"));
  }
}

export function listenToDrags(ed) {
  ed.root.addEventListener("dragstart", (event) => onDragStart(ed, event));
  ed.root.addEventListener("dragover", (event) => onDragOver(ed, event));
  ed.root.addEventListener("drop", (event) => onDrop(ed, event));
  ed.root.addEventListener("dragend", () => endDrag(ed));
}
