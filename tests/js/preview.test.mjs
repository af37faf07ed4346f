// The conflict preview's words while a card is picked up.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  checkFinding,
  findingAnnouncement,
  pickedUpAnnouncement,
  targetText,
  whereText,
} from "../../static/js/editor/preview.js";
import { translator } from "../../static/js/editor/text.js";

const t = translator({
  target: "Target: %(room)s, %(time)s.",
  drop_here: "Drop here: %(room)s, %(time)s",
  picked_up: "Picked up “%(title)s”. Arrow keys move, Enter drops, Escape cancels.",
});
const room = { id: 8, name: "Sala Dois" };
const row = { start: "10:00", starts_at: "2027-03-27T10:00:00+00:00" };

test("where the marker is", () => {
  assert.equal(targetText(t, room, row), "Target: Sala Dois, 10:00.");
  assert.equal(whereText(t, room, row), "Drop here: Sala Dois, 10:00");
});

test("picking up says what and where", () => {
  assert.equal(
    pickedUpAnnouncement(t, { title: "Beta pipelines" }, room, row),
    "Picked up “Beta pipelines”. Arrow keys move, Enter drops, Escape cancels. Target: Sala Dois, 10:00."
  );
});

test("a check with conflicts: the server's summary, marked as a conflict", () => {
  const result = {
    ok: true,
    data: { summary: "1 conflict: Sara Speaker is in two places at once.", conflicts: [{ rule: "x" }] },
  };
  assert.deepEqual(checkFinding(result), {
    text: "1 conflict: Sara Speaker is in two places at once.",
    conflict: true,
  });
  assert.equal(
    findingAnnouncement(t, room, row, checkFinding(result).text),
    "Target: Sala Dois, 10:00. 1 conflict: Sara Speaker is in two places at once."
  );
});

test("a check without conflicts, a refusal, and no answer", () => {
  assert.deepEqual(checkFinding({ ok: true, data: { summary: "No conflicts there.", conflicts: [] } }), {
    text: "No conflicts there.",
    conflict: false,
  });
  assert.deepEqual(checkFinding({ ok: false, data: { error: "Not a room of this event." } }), {
    text: "Not a room of this event.",
    conflict: false,
  });
  assert.deepEqual(checkFinding({ ok: false, data: null }), { text: "", conflict: false });
  assert.equal(findingAnnouncement(t, room, row, ""), "Target: Sala Dois, 10:00. ");
});
