// The event form suggests a web address from the name as it is typed ("Coastal NLP 2027" ->
// "coastal-nlp-2027"), until the address is edited by hand. The server makes the same
// suggestion when the address is left empty (models/base.py slugify), so this is a convenience.
(function () {
  "use strict";
  var slug = document.querySelector("[data-slug-from]");
  var name = slug && document.getElementById(slug.dataset.slugFrom);
  if (!slug || !name) { return; }
  var suggested = slug.value;
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50).replace(/-+$/, "");
  }
  name.addEventListener("input", function () {
    if (slug.value !== suggested) { return; }  // edited by hand: theirs
    suggested = slugify(name.value);
    slug.value = suggested;
  });
})();
