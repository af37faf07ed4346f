// Grid maths: rows and rooms of a session, cells covering a place, resizing, filters.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  covers,
  filtersActive,
  filtersFrom,
  matchesFilters,
  onTheHour,
  resizable,
  resizedMinutes,
  roomIndex,
  rowIndex,
  rowsPerHour,
  startingPlace,
  unschedulable,
  waiting,
} from "../../static/js/editor/grid.js";

// 09:00 to 10:45 in steps of 15 minutes (Lisbon in March is UTC).
const rows = Array.from({ length: 8 }, (_, i) => {
  const minutes = 9 * 60 + 15 * i;
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  return { start: hhmm, starts_at: `2027-03-27T${hhmm}:00+00:00`, cells: [] };
});
const rooms = [{ id: 7, name: "Aula" }, { id: 8, name: "Sala Dois" }, { id: 9, name: "Sala Três" }];
const day = "2027-03-27";

function session(fields) {
  return { starts_at: null, day: null, room_id: null, parent: null, ...fields };
}

test("a room's index by id, numbers and strings alike; 0 when unknown", () => {
  assert.equal(roomIndex(rooms, 8), 1);
  assert.equal(roomIndex(rooms, "9"), 2);
  assert.equal(roomIndex(rooms, 99), 0);
  assert.equal(roomIndex([], 7), 0);
});

test("a session's row on its day, clamped to the grid", () => {
  const at = (time, d = day) => session({ starts_at: `${d}T${time}:00+00:00`, day: d });
  assert.equal(rowIndex(at("09:00"), rows, day, 15), 0);
  assert.equal(rowIndex(at("10:00"), rows, day, 15), 4);
  assert.equal(rowIndex(at("10:05"), rows, day, 15), 4); // between steps: the row it starts in
  assert.equal(rowIndex(at("08:00"), rows, day, 15), 0); // before the day's hours
  assert.equal(rowIndex(at("17:00"), rows, day, 15), 7); // after them
  assert.equal(rowIndex(at("10:00", "2027-03-28"), rows, day, 15), 0); // another day
  assert.equal(rowIndex(session({}), rows, day, 15), 0); // not placed
  assert.equal(rowIndex(at("10:00"), [], day, 15), 0); // no grid
});

test("the marker starts on the session's own place, or at the first room's first row", () => {
  const grid = { rooms, rows, day, granularity: 15 };
  const placed = session({ starts_at: "2027-03-27T09:30:00+00:00", day, room_id: 9 });
  assert.deepEqual(startingPlace(placed, grid), { room: 2, row: 2 });
  assert.deepEqual(startingPlace(session({}), grid), { room: 0, row: 0 });
  const elsewhere = session({ starts_at: "2027-03-28T09:30:00+00:00", day: "2027-03-28", room_id: 9 });
  assert.deepEqual(startingPlace(elsewhere, grid), { room: 0, row: 0 });
});

test("a cell covers its room and the rows it spans; a wide cell every room", () => {
  const cell = { room: "8", row: 2, rowSpan: 2, wide: false };
  assert.ok(covers(cell, 8, 2));
  assert.ok(covers(cell, "8", 3));
  assert.ok(!covers(cell, 8, 4));
  assert.ok(!covers(cell, 8, 1));
  assert.ok(!covers(cell, 7, 2));
  assert.ok(covers({ room: "7", row: 0, rowSpan: 1, wide: true }, 9, 0));
});

test("dragging the handle to a cell ends the session one step after that cell starts", () => {
  const start = "2027-03-27T10:00:00+00:00";
  assert.equal(resizedMinutes(start, "2027-03-27T10:15:00+00:00", 15), 30);
  assert.equal(resizedMinutes(start, "2027-03-27T10:00:00+00:00", 15), 15);
  assert.equal(resizedMinutes(start, "2027-03-27T09:45:00+00:00", 15), 0);
  assert.equal(resizedMinutes(start, "2027-03-27T11:00:00+00:00", 20), 80);
});

test("an hour of rows, at least one", () => {
  assert.equal(rowsPerHour(15), 4);
  assert.equal(rowsPerHour(5), 12);
  assert.equal(rowsPerHour(90), 1);
  assert.equal(rowsPerHour(120), 1);
});

test("rows on the hour", () => {
  assert.ok(onTheHour({ start: "10:00" }));
  assert.ok(!onTheHour({ start: "10:30" }));
});

test("filters from the query string, and which waiting sessions they show", () => {
  const none = filtersFrom(new URLSearchParams(""));
  assert.deepEqual(none, { track: null, type: null, duration: null });
  assert.ok(!filtersActive(none));
  const filters = filtersFrom(new URLSearchParams("track=3&duration=20"));
  assert.ok(filtersActive(filters));
  const a = session({ public_id: "a", track_id: 3, type_id: 1, duration: 20 });
  const b = session({ public_id: "b", track_id: 3, type_id: 1, duration: 40 });
  const c = session({ public_id: "c", track_id: null, type_id: 1, duration: 20 });
  const placed = session({ public_id: "d", track_id: 3, duration: 20, starts_at: "2027-03-27T09:00:00+00:00" });
  const child = session({ public_id: "e", track_id: 3, duration: 20, parent: "x" });
  assert.ok(matchesFilters(a, filters));
  assert.ok(!matchesFilters(b, filters));
  assert.ok(!matchesFilters(c, filters));
  assert.ok(matchesFilters(c, none));
  assert.ok(!matchesFilters(a, filtersFrom(new URLSearchParams("type=2"))));
  const { all, shown } = waiting([a, b, c, placed, child], filters);
  assert.deepEqual(all.map((s) => s.public_id), ["a", "b", "c"]);
  assert.deepEqual(shown.map((s) => s.public_id), ["a"]);
});

test("what can be unscheduled or resized", () => {
  const placed = session({ starts_at: "2027-03-27T09:00:00+00:00" });
  assert.ok(unschedulable(placed));
  assert.ok(unschedulable(session({ parent: "block" })));
  assert.ok(!unschedulable(session({})));
  assert.ok(resizable({ ...placed, resizable: true }));
  assert.ok(!resizable({ ...placed, resizable: false }));
  assert.ok(!resizable(session({ resizable: true })));
});
