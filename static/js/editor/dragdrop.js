// The mouse: HTML5 drag and drop. A card dropped on a cell moves there; dropped on the list of
// sessions to schedule, it is unscheduled; its handle (plenary items and blocks) dragged to a
// cell makes it end with that cell's row.

import { byId } from "./dom.js";
import { move, resize, unschedule } from "./editor.js";
import { resizedMinutes } from "./grid.js";
import { cancel } from "./pickup.js";

function dropTarget(node) {
  if (!node || !node.closest) {
    return null;
  }
  return node.closest("td.slot-cell") || node.closest("#unscheduled-zone");
}

export function listenToDrags(ed) {
  const zone = ed.zone;
  let over = null;

  function markOver(target) {
    if (over === target) {
      return;
    }
    if (over) {
      over.classList.remove("drop-over");
    }
    over = target;
    if (over) {
      over.classList.add("drop-over");
    }
  }

  function endDrag() {
    markOver(null);
    if (ed.dragging) {
      const card = byId("card-" + ed.dragging.id);
      if (card) {
        card.classList.remove("is-dragging");
      }
    }
    if (zone) {
      zone.classList.remove("drop-zone--active");
    }
    ed.dragging = null;
  }

  ed.root.addEventListener("dragstart", (event) => {
    if (!ed.state || !event.target.closest) {
      return;
    }
    const handle = event.target.closest(".card__resize");
    const card = event.target.closest(".card");
    if (!card) {
      return;
    }
    cancel(ed, true);
    ed.dragging = { id: card.getAttribute("data-session"), mode: handle ? "resize" : "move" };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", ed.dragging.id);
    card.classList.add("is-dragging");
    if (zone) {
      zone.setAttribute("data-hint", ed.t("unschedule_here"));
      zone.classList.add("drop-zone--active");
    }
  });

  ed.root.addEventListener("dragover", (event) => {
    const target = dropTarget(event.target);
    if (!ed.dragging || !target || (ed.dragging.mode === "resize" && target === zone)) {
      markOver(null);
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    markOver(target);
  });

  ed.root.addEventListener("drop", (event) => {
    const target = dropTarget(event.target);
    const drag = ed.dragging;
    endDrag();
    if (!drag || !target) {
      return;
    }
    event.preventDefault();
    const session = ed.byId[drag.id];
    if (!session) {
      return;
    }
    if (target === zone) {
      unschedule(ed, drag.id);
    } else if (drag.mode === "resize") {
      const cellStart = target.getAttribute("data-starts-at");
      resize(ed, drag.id, resizedMinutes(session.starts_at, cellStart, ed.state.granularity));
    } else {
      move(ed, drag.id, target.getAttribute("data-room"), target.getAttribute("data-start"));
    }
  });

  ed.root.addEventListener("dragend", endDrag);
}
