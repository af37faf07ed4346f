// The progress page of a long solve (templates/solves/_progress.html). Without JavaScript the
// page reloads itself every few seconds (a <meta refresh> inside <noscript>); with it, this
// polls the solve's JSON status once a second, updates the figures in the live region, and
// reloads when the solve has ended (the page then opens the result). After repeated failures
// it reloads the page.
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
        if (status.finished) {
          // The page itself leads on: to the result (with a word about it), or says how it
          // ended (an error, a cancel).
          window.location.reload();
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
