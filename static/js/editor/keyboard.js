// Keyboard movement: what a key does to a card, and where the arrow keys move the marker of a
// picked-up card. Pure: the DOM glue is in pickup.js.

const STEERING = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown"];

// What a key does to the card that is picked up: "steer", "drop", "cancel", or null (the key
// keeps its usual meaning).
export function pickedKeyAction(key) {
  if (STEERING.includes(key)) {
    return "steer";
  }
  if (key === "Enter" || key === " ") {
    return "drop";
  }
  return key === "Escape" ? "cancel" : null;
}

// What a key does to a card that is not picked up: "pick", "unschedule", "longer", "shorter",
// or null.
export function cardKeyAction(key, shiftKey) {
  if (key === "Enter" || key === " ") {
    return "pick";
  }
  if (key === "u" || key === "U" || key === "Delete") {
    return "unschedule";
  }
  if (key === "+" || key === "=" || (shiftKey && key === "ArrowDown")) {
    return "longer";
  }
  if (key === "-" || (shiftKey && key === "ArrowUp")) {
    return "shorter";
  }
  return null;
}

// The marker's next place ({room, row}, indexes) after a steering key, kept inside the grid of
// rowCount rows and roomCount rooms; hour is the number of rows PageUp and PageDown skip.
export function steer(place, key, { rowCount, roomCount, hour }) {
  const last = { row: rowCount - 1, room: roomCount - 1 };
  const moves = {
    ArrowUp: { row: -1 },
    ArrowDown: { row: 1 },
    PageUp: { row: -hour },
    PageDown: { row: hour },
    ArrowLeft: { room: -1 },
    ArrowRight: { room: 1 },
  };
  const move = moves[key] || {};
  return {
    row: Math.max(0, Math.min(last.row, place.row + (move.row || 0))),
    room: Math.max(0, Math.min(last.room, place.room + (move.room || 0))),
  };
}
