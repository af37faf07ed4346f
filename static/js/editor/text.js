// Words: the page's translated strings filled in, error messages, and what is read out.
// Nothing here touches the page.

// strings[key] with its %(name)s / %(name)d filled in from values (the server translates, the
// script only fills in). An unknown key is shown as itself; an unknown name is left as it is.
export function translate(strings, key, values) {
  const text = strings[key] || key;
  return text.replace(/%\((\w+)\)[sd]/g, (match, name) =>
    values && values[name] !== undefined ? String(values[name]) : match
  );
}

// A translate bound to one page's strings: t("saving"), t("target", {room, time}).
export function translator(strings) {
  return (key, values) => translate(strings, key, values);
}

// What to put in the live region so that it is read out: the same words twice in a row are
// still read when a no-break space makes them differ.
export function freshAnnouncement(text, last) {
  return text === last ? text + "\u00a0" : text;
}

// The message for a refused or failed request ({ok, status, data}).
export function errorText(result, t) {
  if (result.data && result.data.error) {
    return result.data.error;
  }
  return result.status === 403 ? t("forbidden") : t("failed");
}

// The unscheduled list's count: "3", or "1 of 3" when filters hide some.
export function countText(t, shown, total, filtered) {
  return filtered ? t("count", { shown, total }) : String(total);
}

// "Session:" or "Sessions:" before a conflict's sessions.
export function sessionsLabel(t, count) {
  return count === 1 ? t("session") : t("sessions");
}
