// The progress page of a long solve (templates/scheduler/solve.html). Without JavaScript the
// page reloads itself every few seconds (a <meta refresh> inside <noscript>); with it, this
// polls the solve's JSON status once a second, updates the figures in the live region, and
// opens the result when the solve is done. After repeated failures it reloads the page.
(function () {
  "use strict";
  var region = document.getElementById("solve-status");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-status-url");
  var failures = 0;

  function field(name) {
    return region.querySelector('[data-field="' + name + '"]');
  }

  function show(status) {
    var label = field("label");
    if (label && label.textContent !== status.label) {
      label.textContent = status.label;
    }
    var elapsed = field("elapsed");
    if (elapsed) {
      elapsed.textContent = String(status.elapsed);
    }
    var percent = field("percent");
    if (percent) {
      percent.value = status.percent;
      percent.textContent = status.percent + "%";
    }
    var progress = field("progress");
    if (progress && progress.textContent !== status.progress) {
      progress.textContent = status.progress;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.result_url) {
          window.location.assign(status.result_url);
        } else if (status.finished) {
          window.location.reload(); // the page says how it ended (error, cancelled)
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 5) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 3000);
        }
      });
  }

  window.setTimeout(poll, 1000);
})();
