// The "being prepared" page of a printed file. Without JavaScript the page reloads itself
// (a <meta http-equiv="refresh"> inside <noscript>); with it, the page stays put, asks every
// few seconds whether the file is ready, says so in the status line (announced politely by
// screen readers), and opens the file once it is.
(() => {
  "use strict";
  const status = document.querySelector("[data-preparing]");
  if (!status) return;
  const seconds = Number(status.dataset.preparing) || 5;
  const checking = status.dataset.checking || "";
  const check = async () => {
    try {
      const response = await fetch(window.location.href, { method: "HEAD", cache: "no-store" });
      if (response.status === 200) {
        window.location.reload();
        return;
      }
      status.textContent = `${checking} ${new Date().toLocaleTimeString()}`;
    } catch {
      // offline for a moment: try again at the next turn
    }
    window.setTimeout(check, seconds * 1000);
  };
  window.setTimeout(check, seconds * 1000);
})();
