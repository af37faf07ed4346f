// The live count of the check-in pages ("37 of 58 checked in"): asks the server every 15 s
// while the page is visible. The page is complete without it; offline, the count just waits.
(() => {
  "use strict";
  const status = document.querySelector("[data-check-in-count]");
  if (!status) return;
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(status.dataset.checkInCount, { cache: "no-store" });
      if (response.ok) {
        const counts = await response.json();
        if (counts.text !== status.textContent) status.textContent = counts.text;
      }
    } catch {
      // a slow or lost connection: try again at the next turn
    }
  };
  window.setInterval(refresh, 15000);
})();
