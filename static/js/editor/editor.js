// The editor's state and its changes: one object (ed) that the keyboard and the mouse share.
// Each change is saved at once; its answer is the whole new state, which is drawn again.

import {
  fetchState,
  moveBody,
  post,
  resizeBody,
  sessionUrl,
  unscheduleBody,
} from "./api.js";
import { byId } from "./dom.js";
import { drawAll } from "./draw.js";
import { filtersFrom, resizable, unschedulable } from "./grid.js";
import { errorText, freshAnnouncement, translator } from "./text.js";

// The editor of the page whose root is #schedule-editor.
export function createEditor(root) {
  const ed = {
    root,
    t: translator(JSON.parse(root.getAttribute("data-strings") || "{}")),
    stateUrl: root.getAttribute("data-state-url"),
    sessionsUrl: root.getAttribute("data-sessions-url"),
    undoUrl: root.getAttribute("data-undo-url"),
    csrf: root.getAttribute("data-csrf"),
    day: root.getAttribute("data-day"),
    grid: byId("schedule-grid"),
    zone: byId("unscheduled-zone"),
    cardTemplate: byId("card-template"),
    filters: filtersFrom(new URLSearchParams(window.location.search)),
    state: null,
    byId: {},
    picked: null, // the keyboard's picked-up card: {id, room, row, seq, timer, preview, found}
    dragging: null, // the mouse's: {id, mode: "move" | "resize"}
    busy: false,
    lastAnnouncement: "",
  };
  ed.rows = () => (ed.state && ed.state.grid[ed.day] ? ed.state.grid[ed.day].rows : []);
  return ed;
}

export function announce(ed, text) {
  const fresh = freshAnnouncement(text, ed.lastAnnouncement);
  ed.lastAnnouncement = fresh;
  byId("editor-status").textContent = fresh;
}

export function showAlert(text) {
  byId("editor-alert").textContent = text || "";
}

function focusedCard() {
  // The card that has the focus, or holds it (its title link): {id, link}.
  const active = document.activeElement;
  const card = active && active.closest ? active.closest(".card") : null;
  if (!card) {
    return null;
  }
  return { id: card.getAttribute("data-session"), link: active !== card };
}

function focusCard(id, link) {
  const card = id ? byId("card-" + id) : null;
  if (!card) {
    return;
  }
  const target = link ? card.querySelector(".card__title a") : null;
  (target || card).focus();
}

// Draws a new state, keeping the focus on the card that had it (or on focusId's card).
export function render(ed, state, focusId) {
  const keep = focusId ? { id: focusId, link: false } : focusedCard();
  ed.state = state;
  ed.byId = {};
  state.sessions.forEach((session) => {
    ed.byId[session.public_id] = session;
  });
  drawAll(ed);
  if (keep) {
    focusCard(keep.id, keep.link);
  }
}

// Sends a change (one request at a time) and draws its answer: the new state and its message,
// or the refusal in the alert with the state as it is now. focusId: the card to keep focused.
// Resolves to whether the server answered.
export async function save(ed, url, body, focusId) {
  ed.busy = true;
  announce(ed, ed.t("saving"));
  try {
    const result = await post(url, body, ed.csrf);
    if (result.ok && result.data) {
      showAlert("");
      render(ed, result.data, focusId);
      announce(ed, result.data.message || "");
    } else {
      if (result.data && result.data.state) {
        render(ed, result.data.state, focusId);
      }
      showAlert(errorText(result, ed.t));
    }
    return true;
  } catch {
    showAlert(ed.t("network"));
    return false;
  } finally {
    ed.busy = false;
  }
}

function act(ed, id, action, body) {
  if (ed.busy) {
    return;
  }
  save(ed, sessionUrl(ed.sessionsUrl, id, action), body, id);
}

export function move(ed, id, roomId, start) {
  act(ed, id, "move", moveBody(ed.byId[id], roomId, ed.day, start));
}

export function unschedule(ed, id) {
  const session = ed.byId[id];
  if (!unschedulable(session)) {
    announce(ed, ed.t("not_placed", { title: session.title }));
    return;
  }
  act(ed, id, "unschedule", unscheduleBody(session));
}

export function resize(ed, id, minutes) {
  const session = ed.byId[id];
  if (!resizable(session)) {
    announce(ed, ed.t("not_resizable"));
    return;
  }
  if (minutes < ed.state.granularity) {
    return;
  }
  act(ed, id, "resize", resizeBody(session, minutes));
}

// The undo button saves like the other changes, then keeps the focus on itself while it is
// there.
export function listenForUndo(ed) {
  const form = byId("undo-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", async (event) => {
    if (!ed.state || ed.busy) {
      return; // the plain form posts and the page reloads
    }
    event.preventDefault();
    const answered = await save(ed, ed.undoUrl, {});
    if (answered && !form.hidden) {
      byId("undo-button").focus();
    }
  });
}

// Loads the state again and draws it if it changed and nobody is in the middle of something.
export async function load(ed) {
  const data = await fetchState(ed.stateUrl);
  if (!data || ed.picked || ed.dragging || ed.busy) {
    return;
  }
  if (ed.state && JSON.stringify(data) === JSON.stringify(ed.state)) {
    return;
  }
  render(ed, data);
}
