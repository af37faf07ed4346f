// The editor's words: translated strings filled in, errors, announcements, counts.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  countText,
  errorText,
  freshAnnouncement,
  sessionsLabel,
  translate,
  translator,
} from "../../static/js/editor/text.js";

const strings = {
  target: "Target: %(room)s, %(time)s.",
  count: "%(shown)s of %(total)s",
  forbidden: "You may not change this schedule.",
  failed: "Nothing was saved.",
  session: "Session:",
  sessions: "Sessions:",
  minutes: "%(num)d minutes",
};
const t = translator(strings);

test("fills in named values, %(name)s and %(name)d alike", () => {
  assert.equal(translate(strings, "target", { room: "Aula", time: "10:00" }), "Target: Aula, 10:00.");
  assert.equal(t("minutes", { num: 45 }), "45 minutes");
  assert.equal(t("count", { shown: 0, total: 3 }), "0 of 3");
});

test("leaves a name it was not given, and shows an unknown key as itself", () => {
  assert.equal(t("target", { room: "Aula" }), "Target: Aula, %(time)s.");
  assert.equal(t("target"), "Target: %(room)s, %(time)s.");
  assert.equal(t("no_such_key"), "no_such_key");
});

test("the same announcement twice in a row differs by a no-break space", () => {
  assert.equal(freshAnnouncement("Saving…", ""), "Saving…");
  assert.equal(freshAnnouncement("Saving…", "Saving…"), "Saving…\u00a0");
  assert.equal(freshAnnouncement("Saving…", "Saving…\u00a0"), "Saving…");
});

test("an error is the server's words, else forbidden for a 403, else failed", () => {
  assert.equal(errorText({ status: 409, data: { error: "Pedro changed it." } }, t), "Pedro changed it.");
  assert.equal(errorText({ status: 403, data: null }, t), "You may not change this schedule.");
  assert.equal(errorText({ status: 500, data: {} }, t), "Nothing was saved.");
});

test("the list's count says 'n of m' only while filtered", () => {
  assert.equal(countText(t, 2, 5, false), "5");
  assert.equal(countText(t, 2, 5, true), "2 of 5");
});

test("one session or several", () => {
  assert.equal(sessionsLabel(t, 1), "Session:");
  assert.equal(sessionsLabel(t, 2), "Sessions:");
});
