// Grid maths: where a session sits in the day's rows and rooms, which cell covers a place,
// how long a resize makes a session, and which waiting sessions the filters show. Pure.
//
// A row is {start: "HH:MM", starts_at: ISO, cells}; a room {id, name}; a session as data.json
// gives it ({starts_at, day, room_id, duration, parent, track_id, type_id, ...}).

export const MINUTE = 60000;

// The index of the room with this id (ids compare as strings: the page's attributes are
// strings), or 0.
export function roomIndex(rooms, roomId) {
  const index = rooms.findIndex((room) => String(room.id) === String(roomId));
  return index < 0 ? 0 : index;
}

// The row a session starts in on this day, clamped to the grid; 0 when it is not on this day.
export function rowIndex(session, rows, day, granularity) {
  if (!session.starts_at || session.day !== day || !rows.length) {
    return 0;
  }
  const start = Date.parse(session.starts_at);
  const first = Date.parse(rows[0].starts_at);
  const index = Math.floor((start - first) / (granularity * MINUTE));
  return Math.max(0, Math.min(rows.length - 1, index));
}

// Where the keyboard's marker starts when a session is picked up: its own place on this day,
// else the first room's first row. {room, row} are indexes.
export function startingPlace(session, { rooms, rows, day, granularity }) {
  const here = session.starts_at && session.day === day;
  return {
    room: here ? roomIndex(rooms, session.room_id) : 0,
    row: rowIndex(session, rows, day, granularity),
  };
}

// Whether a cell ({room, row, rowSpan, wide}: wide when it spans every room) covers the place
// (room id, row index).
export function covers(cell, roomId, row) {
  return (
    (cell.wide || String(cell.room) === String(roomId)) &&
    cell.row <= row &&
    row < cell.row + cell.rowSpan
  );
}

// A session's new length in minutes when its end is dragged to the cell starting at cellStart
// (ISO): it then ends one step of the grid after that cell's start.
export function resizedMinutes(sessionStart, cellStart, granularity) {
  const end = Date.parse(cellStart) + granularity * MINUTE;
  return Math.round((end - Date.parse(sessionStart)) / MINUTE);
}

// How many rows make an hour (PageUp, PageDown), at least one.
export function rowsPerHour(granularity) {
  return Math.max(1, Math.round(60 / granularity));
}

// Whether a row starts on the hour (the grid marks those).
export function onTheHour(row) {
  return row.start.slice(-3) === ":00";
}

// The filters of the list of sessions to schedule, from the page's query string
// (URLSearchParams or anything with get): {track, type, duration}, each a string or null.
export function filtersFrom(params) {
  return {
    track: params.get("track") || null,
    type: params.get("type") || null,
    duration: params.get("duration") || null,
  };
}

export function filtersActive(filters) {
  return Boolean(filters.track || filters.type || filters.duration);
}

export function matchesFilters(session, filters) {
  if (filters.track && String(session.track_id) !== filters.track) {
    return false;
  }
  if (filters.type && String(session.type_id) !== filters.type) {
    return false;
  }
  return !(filters.duration && String(session.duration) !== filters.duration);
}

// The sessions waiting to be scheduled (not placed, not inside a block), and those of them
// the filters show.
export function waiting(sessions, filters) {
  const all = sessions.filter((session) => !session.parent && !session.starts_at);
  return { all, shown: all.filter((session) => matchesFilters(session, filters)) };
}

// Whether a session can be unscheduled (it is placed, or inside a block).
export function unschedulable(session) {
  return Boolean(session.starts_at || session.parent);
}

// Whether a session can change its length here (plenary items and blocks, once placed).
export function resizable(session) {
  return Boolean(session.resizable && session.starts_at);
}
