// Drawing the page from the state: the grid, the sessions placed off it, the list of sessions
// to schedule, the conflicts and the undo button. The grid's cells come laid out from the
// server (rowspan, colspan), so the page and this script draw the same table.

import { makeCard } from "./cards.js";
import { byId, el } from "./dom.js";
import { filtersActive, onTheHour, waiting } from "./grid.js";
import { countText, sessionsLabel } from "./text.js";

function drawCell(ed, row, cell) {
  // Left out of the JSON: spans of 1, empty lists, and the time (the row's).
  const sessions = cell.sessions || [];
  const also = cell.also || [];
  const td = el("td", "slot-cell" + (sessions.length || also.length ? " slot-cell--busy" : ""));
  td.setAttribute("data-room", cell.room_id);
  td.setAttribute("data-start", row.start);
  td.setAttribute("data-starts-at", row.starts_at);
  td.setAttribute("data-row", cell.row);
  if (cell.rowspan > 1) {
    td.rowSpan = cell.rowspan;
  }
  if (cell.colspan > 1) {
    td.colSpan = cell.colspan;
  }
  sessions.forEach((id) => {
    if (ed.byId[id]) {
      td.appendChild(makeCard(ed.cardTemplate, ed.byId[id], ed.byId));
    }
  });
  also.forEach((id) => {
    if (ed.byId[id]) {
      td.appendChild(el("p", "also", ed.t("also", { title: ed.byId[id].title })));
    }
  });
  return td;
}

function drawGrid(ed) {
  if (!ed.grid) {
    return;
  }
  const fresh = document.createElement("tbody");
  ed.rows().forEach((row) => {
    const tr = el("tr", onTheHour(row) ? "hour" : "");
    const th = el("th", "schedule-grid__time");
    th.setAttribute("scope", "row");
    const time = el("time", null, row.start);
    time.setAttribute("datetime", row.starts_at);
    th.appendChild(time);
    tr.appendChild(th);
    row.cells.forEach((cell) => tr.appendChild(drawCell(ed, row, cell)));
    fresh.appendChild(tr);
  });
  ed.grid.replaceChild(fresh, ed.grid.tBodies[0]);
}

function cardItems(ed, list, sessions) {
  list.textContent = "";
  sessions.forEach((session) => {
    const item = el("li");
    item.appendChild(makeCard(ed.cardTemplate, session, ed.byId));
    list.appendChild(item);
  });
}

function drawOffGrid(ed) {
  const box = byId("off-grid");
  const list = byId("off-grid-list");
  if (!box || !list) {
    return;
  }
  cardItems(ed, list, ed.state.off_grid.map((id) => ed.byId[id]));
  box.hidden = ed.state.off_grid.length === 0;
}

function drawUnscheduled(ed) {
  const list = byId("unscheduled-list");
  if (!list) {
    return;
  }
  const { all, shown } = waiting(ed.state.sessions, ed.filters);
  cardItems(ed, list, shown);
  const count = byId("unscheduled-count");
  if (count) {
    count.textContent = countText(ed.t, shown.length, all.length, filtersActive(ed.filters));
  }
  const empty = byId("unscheduled-empty");
  if (empty) {
    empty.hidden = shown.length > 0;
  }
}

function conflictItem(ed, conflict) {
  const item = el("li", "conflict conflict--" + conflict.severity);
  const head = el("p");
  head.appendChild(el("strong", "conflict__severity", conflict.severity_label));
  head.appendChild(document.createTextNode(" \u00b7 "));
  head.appendChild(el("span", "conflict__rule", conflict.rule_label));
  item.appendChild(head);
  item.appendChild(el("p", "conflict__message", conflict.message));
  const label = sessionsLabel(ed.t, conflict.sessions.length) + " ";
  const sessions = el("p", "conflict__sessions", label);
  conflict.sessions.forEach((id, index) => {
    const session = ed.byId[id];
    if (!session) {
      return;
    }
    if (index) {
      sessions.appendChild(document.createTextNode(", "));
    }
    const link = el("a", null, session.title);
    link.href = session.url;
    sessions.appendChild(link);
  });
  item.appendChild(sessions);
  return item;
}

function drawConflicts(ed) {
  const box = byId("conflict-list");
  if (!box) {
    return;
  }
  box.textContent = "";
  ed.state.conflicts.forEach((conflict) => box.appendChild(conflictItem(ed, conflict)));
  const count = byId("conflict-count");
  if (count) {
    count.textContent = String(ed.state.conflicts.length);
  }
  const none = byId("no-conflicts");
  if (none) {
    none.hidden = ed.state.conflicts.length > 0;
  }
}

function drawUndo(ed) {
  const form = byId("undo-form");
  const button = byId("undo-button");
  if (!form || !button) {
    return;
  }
  form.hidden = !ed.state.undo;
  if (ed.state.undo) {
    button.textContent = ed.state.undo;
  }
}

// Redraws everything from ed.state.
export function drawAll(ed) {
  drawGrid(ed);
  drawOffGrid(ed);
  drawUnscheduled(ed);
  drawConflicts(ed);
  drawUndo(ed);
}
