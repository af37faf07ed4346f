// The server calls. Changes are JSON POSTs to the same URLs as the page's forms, with the CSRF
// token in the X-CSRFToken header; each answer is the whole new state, or an error with the
// state as it is now (a 409 when another organizer changed the session first).

// POST body as JSON; resolves to {ok, status, data} (data null when the answer is not JSON).
export async function post(url, body, csrf) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrf,
    },
    body: JSON.stringify(body || {}),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}

// The state (data.json), or null when it could not be had.
export async function fetchState(url) {
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

// The URL of an action on one session: sessions/<id>/<action>.
export function sessionUrl(sessionsUrl, id, action) {
  return sessionsUrl + encodeURIComponent(id) + "/" + action;
}

// The body of each action.
export function moveBody(session, roomId, day, start) {
  return { room_id: roomId, day, start, version: session.version };
}

export function checkBody(roomId, day, start) {
  return { room_id: roomId, day, start };
}

export function resizeBody(session, minutes) {
  return { duration_minutes: minutes, version: session.version };
}

export function unscheduleBody(session) {
  return { version: session.version };
}
