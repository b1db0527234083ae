/* Sort and filter the report's tables, offline and without dependencies.
   A table with class "sortable" sorts by a column when its header button is clicked (numbers by the full value in
   data-value, text alphabetically, empty cells last); a second click reverses the order. A .filters block names
   its table in data-table; each select keeps the rows whose cell in that column equals the chosen value. */
(function () {
  "use strict";

  function cellKey(cell) {
    if (!cell) return { empty: true };
    var v = cell.getAttribute("data-value");
    if (v !== null && v !== "") return { num: parseFloat(v) };
    var t = cell.textContent.trim();
    return t === "" ? { empty: true } : { text: t };
  }

  function compare(a, b) {
    if (a.empty || b.empty) return a.empty && b.empty ? 0 : a.empty ? 1 : -1;
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    if (a.num !== undefined) return -1;
    if (b.num !== undefined) return 1;
    return a.text.localeCompare(b.text, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, th) {
    var col = th.cellIndex;
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) {
      return { row: r, key: cellKey(r.cells[col]), i: i };
    });
    rows.sort(function (x, y) {
      var c = compare(x.key, y.key);
      if (x.key.empty || y.key.empty) return c || x.i - y.i;  // empty cells stay last either way
      return dir * c || x.i - y.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }

  function applyFilters(box, table) {
    var selects = box.querySelectorAll("select");
    var shown = 0, rows = table.tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (r) {
      var keep = Array.prototype.every.call(selects, function (s) {
        var cell = r.cells[parseInt(s.getAttribute("data-column"), 10)];
        return s.value === "" || (cell && cell.textContent.trim() === s.value);
      });
      r.hidden = !keep;
      if (keep) shown += 1;
    });
    var count = box.querySelector(".count");
    if (count) count.textContent = shown + " of " + rows.length + " rows";
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector("button") || th;
      button.addEventListener("click", function () { sortBy(table, th); });
    });
  });

  document.querySelectorAll(".filters[data-table]").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    if (!table || !table.tBodies.length) return;
    box.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { applyFilters(box, table); });
    });
  });
})();
