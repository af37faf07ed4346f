// The schedule editor: drag and drop and the keyboard on top of the server's page.
//
// The page works without this script (every card links to its session page, whose plain form
// places it). Here the page loads data.json and redraws the grid, the list of sessions to
// schedule, the conflicts and the undo button from it after every change, cloning each card
// from the blank one the server puts in <template id="card-template">. Changes are saved at
// once with JSON POSTs to the same URLs as the forms.
//
// An ES module, loaded as it is (no build step); its parts are in ./editor/:
//   text.js, grid.js, keyboard.js, preview.js   pure: words, grid maths, keys, preview text
//                                              (unit tests in tests/js/, `node --test tests/js/`)
//   api.js      the server calls
//   cards.js    a card from the template        draw.js   the page from the state
//   editor.js   the state, saving, undo         pickup.js the keyboard's pick-up, move, drop
//   dragdrop.js the mouse

import { createEditor, listenForUndo, load } from "./editor/editor.js";
import { listenToDrags } from "./editor/dragdrop.js";
import { listenToKeys } from "./editor/pickup.js";

const RELOAD_EVERY = 30000; // ms: other organizers' changes show up within half a minute

const root = document.getElementById("schedule-editor");
if (root) {
  const ed = createEditor(root);
  listenToKeys(ed);
  listenToDrags(ed);
  listenForUndo(ed);
  load(ed).finally(() => root.classList.add("is-ready"));
  window.setInterval(() => load(ed), RELOAD_EVERY);
}
