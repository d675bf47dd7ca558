// Loaded by the base template (and once more by older page templates): run once.
(function () {
  "use strict";
  if (window.betrokkenTablesLoaded) return;
  window.betrokkenTablesLoaded = true;
// Sortable tables: buttons in the column headers, aria-sort tells screen readers the order.
(function () {
  "use strict";
  function cellValue(row, index) {
    const cell = row.children[index];
    if (!cell) return "";
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    const headers = Array.from(table.querySelectorAll("thead th"));
    headers.forEach(function (th, index) {
      const button = th.querySelector("button[data-sort]");
      if (!button) return;
      button.addEventListener("click", function () {
        const numeric = button.dataset.sort === "number";
        const current = th.getAttribute("aria-sort");
        const direction = current === "ascending" ? "descending" : (current === "descending" ? "ascending" : (numeric ? "descending" : "ascending"));
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction);
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const sign = direction === "ascending" ? 1 : -1;
        rows.sort(function (a, b) {
          const va = cellValue(a, index), vb = cellValue(b, index);
          if (numeric) return sign * (parseFloat(va) - parseFloat(vb));
          return sign * va.localeCompare(vb, "nl");
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

// Wide tables scroll inside their labelled region; a visible line says so, and where
// (only while the table is wider than its box, e.g. on a phone).
(function () {
  "use strict";
  document.querySelectorAll(".table-scroll").forEach(function (box, i) {
    const cue = document.createElement("p");
    cue.className = "scroll-cue";
    cue.id = box.id ? box.id + "-cue" : "scroll-cue-" + (i + 1);
    cue.textContent = "De tabel is breder dan het scherm: schuif hem opzij voor de andere kolommen →";
    box.parentNode.insertBefore(cue, box);
    function update() {
      const wide = box.scrollWidth > box.clientWidth + 1;
      const atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 1;
      cue.dataset.visible = wide ? "1" : "0";
      cue.textContent = !wide ? "" : atEnd
        ? "← Schuif terug voor de eerste kolommen."
        : "De tabel is breder dan het scherm: schuif hem opzij voor de andere kolommen →";
      if (wide) box.setAttribute("aria-describedby", cue.id);
      else box.removeAttribute("aria-describedby");
    }
    box.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  });
})();

})();
