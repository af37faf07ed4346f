// Stars without reloading. The starred session codes of an event live in localStorage and are
// mirrored to the agenda's private token address on the server (with an account, the server's
// copy is the one that counts). Without JavaScript the star buttons are plain forms.
(function () {
  "use strict";
  var config = document.getElementById("agenda-config");
  fillZoneButton();
  if (!config || !window.fetch) {
    return;
  }
  var slug = config.dataset.event;
  var starsKey = "organizer:stars:" + slug;
  var tokenKey = "organizer:agenda:" + slug;
  var signedIn = config.dataset.signedIn === "1";
  var server = split(config.dataset.starred);

  function split(text) {
    return (text || "").split(" ").filter(Boolean);
  }
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: no copy */ }
  }
  // The browser's copy is the anonymous agenda's; a signed-in page shows the account's stars
  // and must not overwrite it, or signing out would sync the account's stars over it.
  function keep() {
    if (!signedIn) { save(starsKey, JSON.stringify(stars)); }
  }
  function cookieToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )agenda_" + slug.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  var token = signedIn ? "" : (config.dataset.token || cookieToken() || load(tokenKey) || "");
  var stored = load(starsKey);
  var stars = signedIn || stored === null ? server.slice() : JSON.parse(stored || "[]");
  if (token) { save(tokenKey, token); }
  keep();

  // Anonymous pages carry no CSRF token (they set no cookie, so caches may keep them): the
  // server checks that the post comes from this site. Signed-in pages send the session's.
  function post(url, body) {
    var headers = { "Content-Type": "application/json" };
    if (config.dataset.csrf) { headers["X-CSRFToken"] = config.dataset.csrf; }
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(response.status);
    });
  }
  function remember(answer) {
    if (answer.token && !signedIn) { token = answer.token; save(tokenKey, token); }
    if (answer.codes) { stars = answer.codes; keep(); }
    render();
  }
  function render() {
    document.querySelectorAll(".star-button[data-code]").forEach(function (button) {
      var on = stars.indexOf(button.dataset.code) !== -1;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      var icon = button.querySelector(".star-button__icon");  // the schedule page's are CSS
      if (icon) { icon.textContent = on ? "\u2605" : "\u2606"; }
      button.querySelector(".star-button__text").textContent = on ? config.dataset.labelStarred : config.dataset.labelStar;
      var form = button.form;
      if (button.hasAttribute("form")) {
        button.name = on ? "unstar" : "star";  // the schedule page: one form, the action in the button
      } else if (form) {
        form.elements.action.value = on ? "unstar" : "star";
      }
      if (form && form.elements.token) { form.elements.token.value = token; }
    });
    var local = document.querySelector("[data-agenda-local]");
    if (local && token && stars.length) {
      local.querySelector("[data-agenda-link]").href = config.dataset.agendaUrl.replace("TOKEN", encodeURIComponent(token));
      local.hidden = false;
    }
  }

  // An anonymous browser whose copy differs from the server's mirrors it to the token agenda.
  if (!signedIn && token && stars.slice().sort().join(" ") !== server.slice().sort().join(" ")) {
    post(config.dataset.syncUrl.replace("TOKEN", encodeURIComponent(token)), { codes: stars })
      .then(remember, function () { /* unknown token: the next star makes a new agenda */ token = ""; });
  }
  render();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("star-form")) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    var code = submitter && submitter.dataset.code ? submitter.dataset.code : form.elements.code.value;
    var on = stars.indexOf(code) !== -1;
    stars = on ? stars.filter(function (c) { return c !== code; }) : stars.concat([code]);
    keep();
    render();
    var request = (!signedIn && token)
      ? post(config.dataset.syncUrl.replace("TOKEN", encodeURIComponent(token)), { codes: stars })
      : post(config.dataset.starsUrl, { code: code, action: on ? "unstar" : "star", token: token });
    var before = on ? stars.concat([code]) : stars.filter(function (c) { return c !== code; });
    request.then(remember, function () { stars = before; keep(); render(); });
  });

  function fillZoneButton() {
    var button = document.querySelector("[data-fill-zone]");
    var input = document.getElementById("tz");
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!button || !input || !zone) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { input.value = zone; input.focus(); });
  }
})();
