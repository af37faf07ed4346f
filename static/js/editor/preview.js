// The conflict preview's words while a card is picked up: where the marker is, and what the
// server's check found there. Pure.

// "Target: Sala Dois, 10:00." (room {name}, row {start}).
export function targetText(t, room, row) {
  return t("target", { room: room.name, time: row.start });
}

// "Drop here: Sala Dois, 10:00", on the preview in the grid.
export function whereText(t, room, row) {
  return t("drop_here", { room: room.name, time: row.start });
}

// What a check's answer ({data}) says: {text, conflict}. The text is the server's summary of
// the conflicts the move would cause, or its refusal, or nothing.
export function checkFinding(result) {
  const data = result && result.data;
  const text = (data && (data.summary || data.error)) || "";
  const conflict = Boolean(data && data.conflicts && data.conflicts.length);
  return { text, conflict };
}

// What is read out once the check is back: the target, then the finding.
export function findingAnnouncement(t, room, row, text) {
  return targetText(t, room, row) + " " + (text || "");
}

// What is read out when a card is picked up.
export function pickedUpAnnouncement(t, session, room, row) {
  return t("picked_up", { title: session.title }) + " " + targetText(t, room, row);
}
