// On a phone, tables stack each row into a block and their header row is hidden from sight
// (it stays in the accessibility tree, so screen readers still announce each cell's column).
// This gives every body cell the text of its column header as a visible label (shown by
// site.css through td[data-label]::before), so nobody has to guess which value is which.
(function () {
  "use strict";
  document.querySelectorAll("table.table").forEach(function (table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) {
      return;
    }
    var labels = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      // A header that only screen readers get ("Actions") gives no visible label.
      var copy = cell.cloneNode(true);
      copy.querySelectorAll(".visually-hidden").forEach(function (hidden) {
        hidden.remove();
      });
      var text = copy.textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cell.colSpan || 1); span += 1) {
        labels.push(text);
      }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (bodyRow) {
        var column = 0;
        Array.prototype.forEach.call(bodyRow.cells, function (cell) {
          if (labels[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  });
})();
