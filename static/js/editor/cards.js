// Cards: the server draws a card once (templates/schedule/_macros.html); the page holds a blank
// one in <template id="card-template"> with every optional part, and this fills a copy in
// from a session of data.json, removing the parts the session does not have.

// The classes of a session's card, as the macro writes them.
export function cardClasses(session) {
  const classes = ["card", "card--" + session.kind];
  if (session.conflict_count) {
    classes.push("card--conflict", "card--" + session.severity);
  }
  if (session.pinned) {
    classes.push("card--pinned");
  }
  if (session.track_id) {
    classes.push("track-colour-" + session.track_id);  // the event's tracks.css, if coloured
  }
  return classes.join(" ");
}

// Sets the part's text, or removes the part when there is nothing to say.
function fillOrRemove(card, selector, text) {
  const part = card.querySelector(selector);
  if (!part) {
    return;
  }
  if (text) {
    part.textContent = text;
  } else {
    part.remove();
  }
}

function fillLink(link, session) {
  link.href = session.url;
  link.textContent = session.title;
}

function fillBadge(card, session) {
  const badge = card.querySelector(".badge--severity");
  if (!session.conflict_count) {
    badge.remove();
    return;
  }
  badge.classList.add("badge--" + session.severity);
  // After the icon (aria-hidden), a text node: " 1 conflict, Blocks a release".
  badge.lastChild.nodeValue = " " + session.conflict_label;
}

function fillChildren(card, session, byId) {
  const list = card.querySelector(".card__children");
  const sample = list.querySelector("li");
  const children = session.children.map((id) => byId[id]).filter(Boolean);
  if (!session.children.length) {
    list.remove();
    return;
  }
  sample.remove();
  children.forEach((child) => {
    const item = sample.cloneNode(true);
    fillLink(item.querySelector("a"), child);
    fillOrRemove(item, ".card__child-track", child.track);
    if (child.track_id) {
      item.className = "track-colour-" + child.track_id;  // as its own card would be
    }
    list.appendChild(item);
  });
}

// A new card for this session, from the template. byId finds its children.
export function makeCard(template, session, byId) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.className = cardClasses(session);
  card.id = "card-" + session.public_id;
  card.setAttribute("data-session", session.public_id);
  card.setAttribute("aria-label", session.label);
  fillLink(card.querySelector(".card__title a"), session);
  card.querySelector(".card__time").textContent = session.time_label;
  fillOrRemove(card, ".card__kind", session.kind !== "talk" ? session.kind_label : "");
  fillOrRemove(card, ".card__speakers", session.speakers.join(", "));
  fillOrRemove(card, ".card__track", session.track);
  fillBadge(card, session);
  if (!session.pinned) {
    card.querySelector(".badge--pinned").remove();
  }
  fillChildren(card, session, byId);
  if (!(session.resizable && session.starts_at)) {
    card.querySelector(".card__resize").remove();
  }
  return card;
}
