// Times on the call-for-talks pages are written in the event's time zone. This adds the
// visitor's own local time after each <time data-local-time> when their zone differs.
// Without JavaScript the page still shows the event's time and zone.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var format;
  try {
    format = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" });
  } catch (error) {
    format = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  }
  document.querySelectorAll("time[data-local-time]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime()) || !zone || element.getAttribute("data-zone") === zone) {
      return;
    }
    var note = document.createElement("span");
    note.className = "local-time";
    note.textContent =
      " (" + (element.getAttribute("data-label") || "your time:") + " " +
      format.format(moment) + ", " + zone + ")";
    var wrapper = element.closest(".when") || element;
    wrapper.appendChild(note);
  });
})();
