// The overview of all days: drag a session onto another day's column to move it to that day,
// in the same room at the same wall-clock time. A shortcut for the mouse only: it chooses the
// day in the session's own "Move to…" form and sends that form, so the server checks and
// answers exactly as it does for the form (which is the way with the keyboard, or without
// this script). A session with no start yet gets its form opened at the start field instead.
(function () {
  "use strict";
  const days = document.querySelectorAll(".overview-day[data-day]");
  if (!days.length) {
    return;
  }
  let dragged = null;

  function clear() {
    days.forEach(function (day) {
      day.classList.remove("drop-over");
    });
  }

  document.querySelectorAll(".overview-item[data-session]").forEach(function (item) {
    if (!item.querySelector(".move-to form")) {
      return;
    }
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", function (event) {
      if (event.target !== item) {
        return; // a link inside drags as a link
      }
      dragged = item;
      item.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-session"));
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("is-dragging");
      dragged = null;
      clear();
    });
  });

  function drop(item, day) {
    const form = item.querySelector(".move-to form");
    const select = form.querySelector("select[name$='-day']");
    const start = form.querySelector("input[name$='-start']");
    if (!select || !start) {
      return;
    }
    select.value = day.getAttribute("data-day");
    if (!start.value) {
      item.querySelector(".move-to").open = true;
      start.focus();
      return;
    }
    form.requestSubmit();
  }

  days.forEach(function (day) {
    day.addEventListener("dragover", function (event) {
      if (!dragged || dragged.closest(".overview-day") === day) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      day.classList.add("drop-over");
    });
    day.addEventListener("dragleave", function (event) {
      if (!day.contains(event.relatedTarget)) {
        day.classList.remove("drop-over");
      }
    });
    day.addEventListener("drop", function (event) {
      if (!dragged || dragged.closest(".overview-day") === day) {
        return;
      }
      event.preventDefault();
      const item = dragged;
      clear();
      drop(item, day);
    });
  });
})();
