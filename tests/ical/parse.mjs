// Reads an iCalendar file with ical.js (Thunderbird's parser) and prints, as JSON, each
// VEVENT's UID, TZID and UTC start and end. Every VTIMEZONE is registered first; a TZID
// without its VTIMEZONE is an error (exit 2), since a client would guess the zone.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const data = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(data));
const zones = new Set();
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  zones.add(zone.tzid);
}
const events = [];
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const tzid = vevent.getFirstProperty("dtstart").getParameter("tzid") || null;
  if (tzid && !zones.has(tzid)) {
    console.error(`TZID ${tzid} has no VTIMEZONE`);
    process.exit(2);
  }
  events.push({
    uid: event.uid,
    tzid,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    summary: event.summary,
    sequence: event.sequence,
  });
}
console.log(JSON.stringify(events));
