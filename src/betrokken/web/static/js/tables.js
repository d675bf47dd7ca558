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
