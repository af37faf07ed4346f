// The keyboard: pick a card up, move the marker over the grid (with a preview of the conflicts
// the move would cause, read out), drop it, or cancel. And the other keys on a card: unschedule,
// longer, shorter.

import { checkBody, post, sessionUrl } from "./api.js";
import { byId, el } from "./dom.js";
import { announce, move, resize, unschedule } from "./editor.js";
import { covers, rowsPerHour, startingPlace } from "./grid.js";
import { cardKeyAction, pickedKeyAction, steer } from "./keyboard.js";
import {
  checkFinding,
  findingAnnouncement,
  pickedUpAnnouncement,
  targetText,
  whereText,
} from "./preview.js";

const CHECK_DELAY = 150; // ms: the marker may move on before the check is sent

// The marker's room and row.
function target(ed, picked) {
  return { room: ed.state.rooms[picked.room], row: ed.rows()[picked.row] };
}

// The grid's cell that covers the place (room id, row index).
function cellAt(ed, roomId, row) {
  if (!ed.grid) {
    return null;
  }
  const cells = ed.grid.querySelectorAll("td.slot-cell");
  return (
    Array.from(cells).find((cell) =>
      covers(
        {
          room: cell.getAttribute("data-room"),
          row: Number(cell.getAttribute("data-row")),
          rowSpan: cell.rowSpan,
          wide: cell.colSpan > 1,
        },
        roomId,
        row
      )
    ) || null
  );
}

function clearTarget(ed) {
  const picked = ed.picked;
  if (!picked) {
    return;
  }
  if (picked.preview) {
    picked.preview.remove();
  }
  const old = ed.grid ? ed.grid.querySelector(".is-target") : null;
  if (old) {
    old.classList.remove("is-target");
  }
}

// Asks the server, a moment after the marker stopped, what the move would cause there.
function checkTarget(ed) {
  const mine = ed.picked;
  mine.seq = (mine.seq || 0) + 1;
  const seq = mine.seq;
  window.clearTimeout(mine.timer);
  mine.timer = window.setTimeout(async () => {
    const { room, row } = target(ed, mine);
    const url = sessionUrl(ed.sessionsUrl, mine.id, "check");
    let result;
    try {
      result = await post(url, checkBody(room.id, ed.day, row.start), ed.csrf);
    } catch {
      if (ed.picked === mine) {
        mine.found.textContent = "";
      }
      return;
    }
    if (ed.picked !== mine || mine.seq !== seq) {
      return; // a newer target, or dropped meanwhile
    }
    const finding = checkFinding(result);
    mine.found.textContent = finding.text;
    mine.preview.classList.toggle("drop-preview--conflict", finding.conflict);
    announce(ed, findingAnnouncement(ed.t, room, row, finding.text));
  }, CHECK_DELAY);
}

// Shows the marker (a preview in the target cell) and checks the place.
function showTarget(ed) {
  clearTarget(ed);
  const picked = ed.picked;
  const { room, row } = target(ed, picked);
  const cell = cellAt(ed, room.id, picked.row);
  const preview = el("div", "drop-preview");
  preview.appendChild(el("p", "drop-preview__where", whereText(ed.t, room, row)));
  const found = el("p", "drop-preview__conflicts", ed.t("checking"));
  preview.appendChild(found);
  picked.preview = preview;
  picked.found = found;
  if (cell) {
    cell.classList.add("is-target");
    cell.appendChild(preview);
    if (preview.scrollIntoView) {
      preview.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }
  checkTarget(ed);
}

function pickUp(ed, card) {
  const id = card.getAttribute("data-session");
  const session = ed.byId[id];
  const rows = ed.rows();
  const rooms = ed.state.rooms;
  if (!session || !rows.length || !rooms.length) {
    announce(ed, ed.t("no_grid"));
    return;
  }
  const place = startingPlace(session, {
    rooms,
    rows,
    day: ed.day,
    granularity: ed.state.granularity,
  });
  ed.picked = { id, room: place.room, row: place.row };
  card.classList.add("is-picked");
  const { room, row } = target(ed, ed.picked);
  announce(ed, pickedUpAnnouncement(ed.t, session, room, row));
  showTarget(ed);
}

// Puts the picked-up card back (and says so unless silent).
export function cancel(ed, silent) {
  const picked = ed.picked;
  if (!picked) {
    return;
  }
  clearTarget(ed);
  window.clearTimeout(picked.timer);
  ed.picked = null;
  const card = byId("card-" + picked.id);
  if (card) {
    card.classList.remove("is-picked");
  }
  if (!silent && ed.byId[picked.id]) {
    announce(ed, ed.t("cancelled", { title: ed.byId[picked.id].title }));
  }
}

function drop(ed) {
  const id = ed.picked.id;
  const { room, row } = target(ed, ed.picked);
  cancel(ed, true);
  move(ed, id, room.id, row.start);
}

function steerTo(ed, key) {
  const place = steer(ed.picked, key, {
    rowCount: ed.rows().length,
    roomCount: ed.state.rooms.length,
    hour: rowsPerHour(ed.state.granularity),
  });
  ed.picked.room = place.room;
  ed.picked.row = place.row;
  const { room, row } = target(ed, ed.picked);
  announce(ed, targetText(ed.t, room, row));
  showTarget(ed);
}

// A key on the picked-up card.
function onPickedKey(ed, event) {
  const action = pickedKeyAction(event.key);
  if (!action) {
    return;
  }
  event.preventDefault();
  if (action === "steer") {
    steerTo(ed, event.key);
  } else if (action === "drop") {
    drop(ed);
  } else {
    cancel(ed, false);
  }
}

// A key on any other card.
function onCardKey(ed, event, card, id) {
  const session = ed.byId[id];
  if (!session || ed.busy) {
    return;
  }
  const action = cardKeyAction(event.key, event.shiftKey);
  if (!action) {
    return;
  }
  event.preventDefault();
  const step = ed.state.granularity;
  if (action === "pick") {
    cancel(ed, true);
    pickUp(ed, card);
  } else if (action === "unschedule") {
    unschedule(ed, id);
  } else if (action === "longer") {
    resize(ed, id, session.duration + step);
  } else {
    resize(ed, id, session.duration - step);
  }
}

export function listenToKeys(ed) {
  ed.root.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!ed.state || !card.classList || !card.classList.contains("card")) {
      return; // keys on links, buttons and fields inside keep their usual meaning
    }
    const id = card.getAttribute("data-session");
    if (ed.picked && ed.picked.id === id) {
      onPickedKey(ed, event);
    } else {
      onCardKey(ed, event, card, id);
    }
  });

  ed.root.addEventListener("focusout", (event) => {
    const node = event.target;
    if (ed.picked && node.getAttribute && node.getAttribute("data-session") === ed.picked.id) {
      cancel(ed, false);
    }
  });
}
