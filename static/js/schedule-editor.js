// The schedule editor: drag and drop and the keyboard on top of the server's page.
//
// The page works without this script (every card links to its session page, whose plain form
// places it). Here the page loads data.json and redraws the grid, the list of sessions to
// schedule, the conflicts and the undo button from it after every change. Changes are saved at
// once with JSON POSTs to the same URLs as the forms (CSRF token in the X-CSRFToken header);
// each answer is the whole new state, or an error with the state as it is now (a 409 when
// another organizer changed the session first). The grid's cells come laid out from the
// server (rowspan, colspan), so the page and this script draw the same table.
(function () {
  "use strict";

  var root = document.getElementById("schedule-editor");
  if (!root || !window.fetch || !window.JSON) {
    return;
  }
  var strings = JSON.parse(root.getAttribute("data-strings") || "{}");
  var stateUrl = root.getAttribute("data-state-url");
  var sessionsUrl = root.getAttribute("data-sessions-url");
  var undoUrl = root.getAttribute("data-undo-url");
  var csrf = root.getAttribute("data-csrf");
  var day = root.getAttribute("data-day");
  var alertBox = document.getElementById("editor-alert");
  var statusBox = document.getElementById("editor-status");
  var grid = document.getElementById("schedule-grid");
  var list = document.getElementById("unscheduled-list");
  var zone = document.getElementById("unscheduled-zone");
  var filters = new URLSearchParams(window.location.search);

  var state = null;
  var byId = {};
  var picked = null; // {id, row, room, seq, timer, preview}
  var dragging = null; // {id, mode: "move" | "resize"}
  var busy = false;

  // --- small helpers -------------------------------------------------------------------------

  function t(key, values) {
    var text = strings[key] || key;
    return text.replace(/%\((\w+)\)[sd]/g, function (match, name) {
      return values && values[name] !== undefined ? String(values[name]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  var lastAnnouncement = "";
  function announce(text) {
    // The same words twice in a row are still read: a no-break space makes them differ.
    if (text === lastAnnouncement) {
      text += "\u00a0";
    }
    lastAnnouncement = text;
    statusBox.textContent = text;
  }

  function showAlert(text) {
    alertBox.textContent = text || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (error) {
          data = null;
        }
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function errorText(result) {
    if (result.data && result.data.error) {
      return result.data.error;
    }
    return result.status === 403 ? t("forbidden") : t("failed");
  }

  function rows() {
    return state && state.grid[day] ? state.grid[day].rows : [];
  }

  // --- drawing -----------------------------------------------------------------------------------

  function cardElement(session) {
    var classes = "card card--" + session.kind;
    if (session.conflict_count) {
      classes += " card--conflict card--" + session.severity;
    }
    if (session.pinned) {
      classes += " card--pinned";
    }
    var card = el("div", classes);
    card.id = "card-" + session.public_id;
    card.setAttribute("data-session", session.public_id);
    card.setAttribute("role", "group");
    card.setAttribute("tabindex", "0");
    card.setAttribute("aria-label", session.label);
    card.setAttribute("aria-describedby", "card-help");
    card.setAttribute("draggable", "true");
    var title = el("p", "card__title");
    var link = el("a", null, session.title);
    link.href = session.url;
    link.setAttribute("draggable", "false");
    title.appendChild(link);
    card.appendChild(title);
    card.appendChild(el("p", "card__time", session.time_label));
    if (session.kind !== "talk") {
      card.appendChild(el("p", "card__kind", session.kind_label));
    }
    if (session.speakers.length) {
      card.appendChild(el("p", "card__speakers", session.speakers.join(", ")));
    }
    if (session.track) {
      card.appendChild(el("p", "card__track", session.track));
    }
    if (session.conflict_count) {
      var badge = el("p", "badge badge--severity badge--" + session.severity);
      var icon = el("span", null, "\u26a0");
      icon.setAttribute("aria-hidden", "true");
      badge.appendChild(icon);
      badge.appendChild(document.createTextNode(" " + session.conflict_label));
      card.appendChild(badge);
    }
    if (session.pinned) {
      card.appendChild(el("p", "badge badge--pinned", strings.pinned || "Pinned"));
    }
    if (session.children.length) {
      var children = el("ul", "card__children");
      session.children.forEach(function (childId) {
        var child = byId[childId];
        if (!child) {
          return;
        }
        var item = el("li");
        var childLink = el("a", null, child.title);
        childLink.href = child.url;
        childLink.setAttribute("draggable", "false");
        item.appendChild(childLink);
        children.appendChild(item);
      });
      card.appendChild(children);
    }
    if (session.resizable && session.starts_at) {
      var handle = el("span", "card__resize", "\u2195");
      handle.setAttribute("draggable", "true");
      handle.setAttribute("aria-hidden", "true");
      handle.title = t("resize");
      card.appendChild(handle);
    }
    return card;
  }

  function drawGrid() {
    if (!grid) {
      return;
    }
    var body = grid.tBodies[0];
    var fresh = document.createElement("tbody");
    rows().forEach(function (row) {
      var tr = el("tr", row.start.slice(-3) === ":00" ? "hour" : "");
      var th = el("th", "schedule-grid__time");
      th.setAttribute("scope", "row");
      var time = el("time", null, row.start);
      time.setAttribute("datetime", row.starts_at);
      th.appendChild(time);
      tr.appendChild(th);
      row.cells.forEach(function (cell) {
        // Left out of the JSON: spans of 1, empty lists, and the time (the row's).
        var sessions = cell.sessions || [];
        var also = cell.also || [];
        var td = el("td", "slot-cell" + (sessions.length || also.length ? " slot-cell--busy" : ""));
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
        sessions.forEach(function (id) {
          if (byId[id]) {
            td.appendChild(cardElement(byId[id]));
          }
        });
        also.forEach(function (id) {
          if (byId[id]) {
            td.appendChild(el("p", "also", t("also", { title: byId[id].title })));
          }
        });
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    grid.replaceChild(fresh, body);
  }

  function drawOffGrid() {
    var box = document.getElementById("off-grid");
    var offList = document.getElementById("off-grid-list");
    if (!box || !offList) {
      return;
    }
    offList.textContent = "";
    state.off_grid.forEach(function (id) {
      var item = el("li");
      item.appendChild(cardElement(byId[id]));
      offList.appendChild(item);
    });
    box.hidden = state.off_grid.length === 0;
  }

  function matchesFilters(session) {
    var track = filters.get("track");
    var type = filters.get("type");
    var duration = filters.get("duration");
    if (track && String(session.track_id) !== track) {
      return false;
    }
    if (type && String(session.type_id) !== type) {
      return false;
    }
    return !(duration && String(session.duration) !== duration);
  }

  function drawUnscheduled() {
    if (!list) {
      return;
    }
    var waiting = state.sessions.filter(function (s) {
      return !s.parent && !s.starts_at;
    });
    var shown = waiting.filter(matchesFilters);
    list.textContent = "";
    shown.forEach(function (session) {
      var item = el("li");
      item.appendChild(cardElement(session));
      list.appendChild(item);
    });
    var count = document.getElementById("unscheduled-count");
    var active = filters.get("track") || filters.get("type") || filters.get("duration");
    if (count) {
      count.textContent = active
        ? t("count", { shown: shown.length, total: waiting.length })
        : String(waiting.length);
    }
    var empty = document.getElementById("unscheduled-empty");
    if (empty) {
      empty.hidden = shown.length > 0;
    }
  }

  function drawConflicts() {
    var box = document.getElementById("conflict-list");
    if (!box) {
      return;
    }
    box.textContent = "";
    state.conflicts.forEach(function (conflict) {
      var item = el("li", "conflict conflict--" + conflict.severity);
      var head = el("p");
      head.appendChild(el("strong", "conflict__severity", conflict.severity_label));
      head.appendChild(document.createTextNode(" \u00b7 "));
      head.appendChild(el("span", "conflict__rule", conflict.rule_label));
      item.appendChild(head);
      item.appendChild(el("p", "conflict__message", conflict.message));
      var sessions = el(
        "p",
        "conflict__sessions",
        (conflict.sessions.length === 1 ? t("session") : t("sessions")) + " "
      );
      conflict.sessions.forEach(function (id, index) {
        var session = byId[id];
        if (!session) {
          return;
        }
        if (index) {
          sessions.appendChild(document.createTextNode(", "));
        }
        var link = el("a", null, session.title);
        link.href = session.url;
        sessions.appendChild(link);
      });
      item.appendChild(sessions);
      box.appendChild(item);
    });
    var count = document.getElementById("conflict-count");
    if (count) {
      count.textContent = String(state.conflicts.length);
    }
    var none = document.getElementById("no-conflicts");
    if (none) {
      none.hidden = state.conflicts.length > 0;
    }
  }

  function drawUndo() {
    var form = document.getElementById("undo-form");
    var button = document.getElementById("undo-button");
    if (!form || !button) {
      return;
    }
    form.hidden = !state.undo;
    if (state.undo) {
      button.textContent = state.undo;
    }
  }

  function focusedCard() {
    // The card that has the focus, or holds it (its title link): {id, link}.
    var active = document.activeElement;
    var card = active && active.closest ? active.closest(".card") : null;
    if (!card) {
      return null;
    }
    return { id: card.getAttribute("data-session"), link: active !== card };
  }

  function focusCard(id, link) {
    var card = id ? document.getElementById("card-" + id) : null;
    if (!card) {
      return false;
    }
    var target = link ? card.querySelector(".card__title a") : null;
    (target || card).focus();
    return true;
  }

  function render(newState, focusId) {
    var keep = focusId ? { id: focusId, link: false } : focusedCard();
    state = newState;
    byId = {};
    state.sessions.forEach(function (session) {
      byId[session.public_id] = session;
    });
    drawGrid();
    drawOffGrid();
    drawUnscheduled();
    drawConflicts();
    drawUndo();
    if (keep) {
      focusCard(keep.id, keep.link);
    }
  }

  // --- saving --------------------------------------------------------------------------------------

  function act(id, action, body, after) {
    if (busy) {
      return;
    }
    busy = true;
    announce(t("saving"));
    post(sessionsUrl + encodeURIComponent(id) + "/" + action, body)
      .then(function (result) {
        if (result.ok && result.data) {
          showAlert("");
          render(result.data, id);
          announce(result.data.message || "");
        } else {
          if (result.data && result.data.state) {
            render(result.data.state, id);
          }
          showAlert(errorText(result));
        }
        if (after) {
          after(result);
        }
      })
      .catch(function () {
        showAlert(t("network"));
      })
      .then(function () {
        busy = false;
      });
  }

  function move(id, roomId, start) {
    var session = byId[id];
    act(id, "move", { room_id: roomId, day: day, start: start, version: session.version });
  }

  function unschedule(id) {
    var session = byId[id];
    if (!session.starts_at && !session.parent) {
      announce(t("not_placed", { title: session.title }));
      return;
    }
    act(id, "unschedule", { version: session.version });
  }

  function resize(id, minutes) {
    var session = byId[id];
    if (!session.resizable || !session.starts_at) {
      announce(t("not_resizable"));
      return;
    }
    if (minutes < state.granularity) {
      return;
    }
    act(id, "resize", { duration_minutes: minutes, version: session.version });
  }

  // --- the keyboard: pick up, move the target, drop --------------------------------------------------

  function roomIndex(roomId) {
    for (var i = 0; i < state.rooms.length; i += 1) {
      if (String(state.rooms[i].id) === String(roomId)) {
        return i;
      }
    }
    return 0;
  }

  function rowIndex(session) {
    var all = rows();
    if (!session.starts_at || session.day !== day || !all.length) {
      return 0;
    }
    var start = Date.parse(session.starts_at);
    var first = Date.parse(all[0].starts_at);
    var index = Math.floor((start - first) / (state.granularity * 60000));
    return Math.max(0, Math.min(all.length - 1, index));
  }

  function cellAt(roomId, row) {
    if (!grid) {
      return null;
    }
    var cells = grid.querySelectorAll("td.slot-cell");
    for (var i = 0; i < cells.length; i += 1) {
      var cell = cells[i];
      var first = Number(cell.getAttribute("data-row"));
      var wide = cell.colSpan > 1;
      if (
        (wide || cell.getAttribute("data-room") === String(roomId)) &&
        first <= row &&
        row < first + cell.rowSpan
      ) {
        return cell;
      }
    }
    return null;
  }

  function clearTarget() {
    if (!picked) {
      return;
    }
    if (picked.preview && picked.preview.parentNode) {
      picked.preview.parentNode.removeChild(picked.preview);
    }
    var old = grid ? grid.querySelector(".is-target") : null;
    if (old) {
      old.classList.remove("is-target");
    }
  }

  function targetText() {
    var room = state.rooms[picked.room];
    var row = rows()[picked.row];
    return t("target", { room: room.name, time: row.start });
  }

  function showTarget() {
    clearTarget();
    var room = state.rooms[picked.room];
    var row = rows()[picked.row];
    var cell = cellAt(room.id, picked.row);
    var preview = el("div", "drop-preview");
    preview.appendChild(el("p", "drop-preview__where", t("drop_here", { room: room.name, time: row.start })));
    var found = el("p", "drop-preview__conflicts", t("checking"));
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
    checkTarget();
  }

  function checkTarget() {
    var mine = picked;
    mine.seq = (mine.seq || 0) + 1;
    var seq = mine.seq;
    window.clearTimeout(mine.timer);
    mine.timer = window.setTimeout(function () {
      var room = state.rooms[mine.room];
      var row = rows()[mine.row];
      post(sessionsUrl + encodeURIComponent(mine.id) + "/check", {
        room_id: room.id,
        day: day,
        start: row.start
      })
        .then(function (result) {
          if (picked !== mine || mine.seq !== seq) {
            return; // a newer target, or dropped meanwhile
          }
          var text = result.data && (result.data.summary || result.data.error);
          mine.found.textContent = text || "";
          if (result.data && result.data.conflicts && result.data.conflicts.length) {
            mine.preview.classList.add("drop-preview--conflict");
          } else {
            mine.preview.classList.remove("drop-preview--conflict");
          }
          announce(targetText() + " " + (text || ""));
        })
        .catch(function () {
          if (picked === mine) {
            mine.found.textContent = "";
          }
        });
    }, 150);
  }

  function pickUp(card) {
    var id = card.getAttribute("data-session");
    var session = byId[id];
    if (!session || !rows().length || !state.rooms.length) {
      announce(t("no_grid"));
      return;
    }
    picked = {
      id: id,
      room: session.starts_at && session.day === day ? roomIndex(session.room_id) : 0,
      row: rowIndex(session)
    };
    card.classList.add("is-picked");
    announce(t("picked_up", { title: session.title }) + " " + targetText());
    showTarget();
  }

  function cancel(silent) {
    if (!picked) {
      return;
    }
    var id = picked.id;
    clearTarget();
    window.clearTimeout(picked.timer);
    picked = null;
    var card = document.getElementById("card-" + id);
    if (card) {
      card.classList.remove("is-picked");
    }
    if (!silent && byId[id]) {
      announce(t("cancelled", { title: byId[id].title }));
    }
  }

  function drop() {
    var id = picked.id;
    var room = state.rooms[picked.room];
    var row = rows()[picked.row];
    cancel(true);
    move(id, room.id, row.start);
  }

  function steer(key) {
    var count = rows().length;
    var hour = Math.max(1, Math.round(60 / state.granularity));
    if (key === "ArrowUp") {
      picked.row = Math.max(0, picked.row - 1);
    } else if (key === "ArrowDown") {
      picked.row = Math.min(count - 1, picked.row + 1);
    } else if (key === "PageUp") {
      picked.row = Math.max(0, picked.row - hour);
    } else if (key === "PageDown") {
      picked.row = Math.min(count - 1, picked.row + hour);
    } else if (key === "ArrowLeft") {
      picked.room = Math.max(0, picked.room - 1);
    } else if (key === "ArrowRight") {
      picked.room = Math.min(state.rooms.length - 1, picked.room + 1);
    }
    announce(targetText());
    showTarget();
  }

  root.addEventListener("keydown", function (event) {
    var card = event.target;
    if (!state || !card.classList || !card.classList.contains("card")) {
      return; // keys on links, buttons and fields inside keep their usual meaning
    }
    var id = card.getAttribute("data-session");
    var key = event.key;
    if (picked && picked.id === id) {
      if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"].indexOf(key) >= 0) {
        event.preventDefault();
        steer(key);
      } else if (key === "Enter" || key === " ") {
        event.preventDefault();
        drop();
      } else if (key === "Escape") {
        event.preventDefault();
        cancel(false);
      }
      return;
    }
    var session = byId[id];
    if (!session || busy) {
      return;
    }
    if (key === "Enter" || key === " ") {
      event.preventDefault();
      cancel(true);
      pickUp(card);
    } else if (key === "u" || key === "U" || key === "Delete") {
      event.preventDefault();
      unschedule(id);
    } else if (key === "+" || key === "=" || (event.shiftKey && key === "ArrowDown")) {
      event.preventDefault();
      resize(id, session.duration + state.granularity);
    } else if (key === "-" || (event.shiftKey && key === "ArrowUp")) {
      event.preventDefault();
      resize(id, session.duration - state.granularity);
    }
  });

  root.addEventListener("focusout", function (event) {
    if (picked && event.target.getAttribute && event.target.getAttribute("data-session") === picked.id) {
      cancel(false);
    }
  });

  // --- the mouse: HTML5 drag and drop ------------------------------------------------------------

  function dropTarget(node) {
    if (!node || !node.closest) {
      return null;
    }
    return node.closest("td.slot-cell") || node.closest("#unscheduled-zone");
  }

  var over = null;
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

  root.addEventListener("dragstart", function (event) {
    if (!state) {
      return;
    }
    var handle = event.target.closest ? event.target.closest(".card__resize") : null;
    var card = event.target.closest ? event.target.closest(".card") : null;
    if (!card) {
      return;
    }
    cancel(true);
    dragging = { id: card.getAttribute("data-session"), mode: handle ? "resize" : "move" };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragging.id);
    card.classList.add("is-dragging");
    if (zone) {
      zone.setAttribute("data-hint", t("unschedule_here"));
      zone.classList.add("drop-zone--active");
    }
  });

  root.addEventListener("dragover", function (event) {
    var target = dropTarget(event.target);
    if (!dragging || !target) {
      markOver(null);
      return;
    }
    if (dragging.mode === "resize" && target === zone) {
      markOver(null);
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    markOver(target);
  });

  function endDrag() {
    markOver(null);
    if (dragging) {
      var card = document.getElementById("card-" + dragging.id);
      if (card) {
        card.classList.remove("is-dragging");
      }
    }
    if (zone) {
      zone.classList.remove("drop-zone--active");
    }
    dragging = null;
  }

  root.addEventListener("drop", function (event) {
    var target = dropTarget(event.target);
    var drag = dragging;
    endDrag();
    if (!drag || !target) {
      return;
    }
    event.preventDefault();
    var session = byId[drag.id];
    if (!session) {
      return;
    }
    if (target === zone) {
      unschedule(drag.id);
      return;
    }
    if (drag.mode === "resize") {
      var end = Date.parse(target.getAttribute("data-starts-at")) + state.granularity * 60000;
      resize(drag.id, Math.round((end - Date.parse(session.starts_at)) / 60000));
      return;
    }
    move(drag.id, target.getAttribute("data-room"), target.getAttribute("data-start"));
  });

  root.addEventListener("dragend", endDrag);

  // --- undo, and keeping up with the others ----------------------------------------------------------

  var undoForm = document.getElementById("undo-form");
  if (undoForm) {
    undoForm.addEventListener("submit", function (event) {
      if (!state || busy) {
        return;
      }
      event.preventDefault();
      busy = true;
      announce(t("saving"));
      post(undoUrl, {})
        .then(function (result) {
          if (result.ok && result.data) {
            showAlert("");
            render(result.data);
            announce(result.data.message || "");
          } else {
            if (result.data && result.data.state) {
              render(result.data.state);
            }
            showAlert(errorText(result));
          }
          if (!undoForm.hidden) {
            document.getElementById("undo-button").focus();
          }
        })
        .catch(function () {
          showAlert(t("network"));
        })
        .then(function () {
          busy = false;
        });
    });
  }

  function load() {
    return fetch(stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || picked || dragging || busy) {
          return;
        }
        if (state && JSON.stringify(data) === JSON.stringify(state)) {
          return;
        }
        render(data);
      })
      .catch(function () {
        return null;
      });
  }

  load().then(function () {
    root.classList.add("is-ready");
  });
  // Other organizers' changes show up within half a minute.
  window.setInterval(load, 30000);
})();
