// The API token page: a "Copy" button beside the new token's secret (the secret is shown once).
// Without JavaScript, or without clipboard access, the button stays hidden and the page's text
// says how to select and copy the secret by hand.
(function () {
  "use strict";
  var button = document.querySelector("[data-copy]");
  var field = button && document.getElementById(button.dataset.copy);
  var status = document.querySelector("[data-copied]");
  if (!button || !field || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      if (status) { status.hidden = false; }
    }, function () {
      field.select();
    });
  });
})();
