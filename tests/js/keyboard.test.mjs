// Keyboard movement: what each key does, and where the marker goes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { cardKeyAction, pickedKeyAction, steer } from "../../static/js/editor/keyboard.js";

const grid = { rowCount: 36, roomCount: 3, hour: 4 };

test("a card's keys: pick up, unschedule, longer, shorter; others keep their meaning", () => {
  assert.equal(cardKeyAction("Enter", false), "pick");
  assert.equal(cardKeyAction(" ", false), "pick");
  for (const key of ["u", "U", "Delete"]) {
    assert.equal(cardKeyAction(key, false), "unschedule");
  }
  assert.equal(cardKeyAction("+", false), "longer");
  assert.equal(cardKeyAction("=", false), "longer");
  assert.equal(cardKeyAction("ArrowDown", true), "longer");
  assert.equal(cardKeyAction("-", false), "shorter");
  assert.equal(cardKeyAction("ArrowUp", true), "shorter");
  for (const key of ["ArrowDown", "ArrowUp", "Tab", "Escape", "a"]) {
    assert.equal(cardKeyAction(key, false), null, key);
  }
});

test("a picked-up card's keys: steer, drop, cancel; others keep their meaning", () => {
  for (const key of ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"]) {
    assert.equal(pickedKeyAction(key), "steer", key);
  }
  assert.equal(pickedKeyAction("Enter"), "drop");
  assert.equal(pickedKeyAction(" "), "drop");
  assert.equal(pickedKeyAction("Escape"), "cancel");
  assert.equal(pickedKeyAction("Tab"), null);
  assert.equal(pickedKeyAction("u"), null);
});

test("arrows move one row or one room", () => {
  const here = { row: 10, room: 1 };
  assert.deepEqual(steer(here, "ArrowUp", grid), { row: 9, room: 1 });
  assert.deepEqual(steer(here, "ArrowDown", grid), { row: 11, room: 1 });
  assert.deepEqual(steer(here, "ArrowLeft", grid), { row: 10, room: 0 });
  assert.deepEqual(steer(here, "ArrowRight", grid), { row: 10, room: 2 });
  assert.deepEqual(here, { row: 10, room: 1 }); // the place given is left as it was
});

test("Page Up and Page Down move an hour", () => {
  assert.deepEqual(steer({ row: 10, room: 0 }, "PageUp", grid), { row: 6, room: 0 });
  assert.deepEqual(steer({ row: 10, room: 0 }, "PageDown", grid), { row: 14, room: 0 });
});

test("the marker stays inside the grid", () => {
  assert.deepEqual(steer({ row: 0, room: 0 }, "ArrowUp", grid), { row: 0, room: 0 });
  assert.deepEqual(steer({ row: 0, room: 0 }, "ArrowLeft", grid), { row: 0, room: 0 });
  assert.deepEqual(steer({ row: 2, room: 0 }, "PageUp", grid), { row: 0, room: 0 });
  assert.deepEqual(steer({ row: 35, room: 2 }, "ArrowDown", grid), { row: 35, room: 2 });
  assert.deepEqual(steer({ row: 33, room: 2 }, "PageDown", grid), { row: 35, room: 2 });
  assert.deepEqual(steer({ row: 35, room: 2 }, "ArrowRight", grid), { row: 35, room: 2 });
});

test("a key that does not steer leaves the marker where it is", () => {
  assert.deepEqual(steer({ row: 3, room: 1 }, "Home", grid), { row: 3, room: 1 });
});
