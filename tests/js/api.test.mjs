// The server calls, against a stand-in fetch; and the cards' classes.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import {
  checkBody,
  fetchState,
  moveBody,
  post,
  resizeBody,
  sessionUrl,
  unscheduleBody,
} from "../../static/js/editor/api.js";
import { cardClasses } from "../../static/js/editor/cards.js";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function answer(status, text) {
  const calls = [];
  globalThis.fetch = async (url, options) => {
    calls.push({ url, options });
    return { ok: status < 400, status, text: async () => text, json: async () => JSON.parse(text) };
  };
  return calls;
}

test("post sends JSON with the CSRF token and reads the JSON answer", async () => {
  const calls = answer(200, '{"message": "Moved."}');
  const result = await post("/s/abc/move", { start: "10:00" }, "token");
  assert.deepEqual(result, { ok: true, status: 200, data: { message: "Moved." } });
  const { url, options } = calls[0];
  assert.equal(url, "/s/abc/move");
  assert.equal(options.method, "POST");
  assert.equal(options.credentials, "same-origin");
  assert.equal(options.headers["X-CSRFToken"], "token");
  assert.equal(options.headers["Content-Type"], "application/json");
  assert.equal(options.body, '{"start":"10:00"}');
});

test("post gives null data for an empty or non-JSON answer, with its status", async () => {
  answer(409, '{"error": "Pedro changed it.", "state": {}}');
  assert.deepEqual(await post("/u", null, "t"), {
    ok: false,
    status: 409,
    data: { error: "Pedro changed it.", state: {} },
  });
  answer(500, "<html>Server error</html>");
  assert.deepEqual(await post("/u", {}, "t"), { ok: false, status: 500, data: null });
  answer(204, "");
  assert.deepEqual(await post("/u", {}, "t"), { ok: true, status: 204, data: null });
});

test("post fails when the server cannot be reached", async () => {
  globalThis.fetch = async () => {
    throw new TypeError("network");
  };
  await assert.rejects(post("/u", {}, "t"), TypeError);
});

test("fetchState gives the state, or null on a refusal or a network failure", async () => {
  answer(200, '{"sessions": []}');
  assert.deepEqual(await fetchState("/data.json"), { sessions: [] });
  answer(403, '{"error": "no"}');
  assert.equal(await fetchState("/data.json"), null);
  globalThis.fetch = async () => {
    throw new TypeError("network");
  };
  assert.equal(await fetchState("/data.json"), null);
});

test("action URLs and bodies", () => {
  assert.equal(sessionUrl("/m/ws/schedule/sessions/", "a b", "move"), "/m/ws/schedule/sessions/a%20b/move");
  const session = { version: 4 };
  assert.deepEqual(moveBody(session, 8, "2027-03-27", "10:00"), {
    room_id: 8,
    day: "2027-03-27",
    start: "10:00",
    version: 4,
  });
  assert.deepEqual(checkBody(8, "2027-03-27", "10:00"), { room_id: 8, day: "2027-03-27", start: "10:00" });
  assert.deepEqual(resizeBody(session, 45), { duration_minutes: 45, version: 4 });
  assert.deepEqual(unscheduleBody(session), { version: 4 });
});

test("a card's classes: its kind, its worst conflict, pinned", () => {
  assert.equal(
    cardClasses({ kind: "talk", conflict_count: 0, pinned: false, track_id: 7 }),
    "card card--talk track-colour-7",
  );
  assert.equal(cardClasses({ kind: "talk", conflict_count: 0, pinned: false }), "card card--talk");
  assert.equal(
    cardClasses({ kind: "talk", conflict_count: 2, severity: "blocks_release", pinned: true }),
    "card card--talk card--conflict card--blocks_release card--pinned"
  );
  assert.equal(cardClasses({ kind: "plenary", conflict_count: 0, pinned: true }), "card card--plenary card--pinned");
});
