// Suggestions for the compare fields: the same search as the start page (gemeenten
// first, the gemeente beside every wijk and postcode), offered through a <datalist> so
// the browser's own, accessible list shows them. Choosing one fills in the area code,
// which the page resolves without guessing. The form works without JavaScript.
(function () {
  "use strict";
  const list = document.getElementById("gebied-suggesties");
  const status = document.getElementById("gebied-status");
  if (!list) return;
  let timer = null;

  function label(r) {
    let text = r.name + " (" + r.level_label;
    if (r.gemeente_name && r.level !== "gemeente") text += ", " + r.gemeente_name;
    return text + ")";
  }

  function show(results) {
    list.textContent = "";
    results.slice(0, 10).forEach(function (r) {
      const option = document.createElement("option");
      option.value = r.code;
      option.label = label(r);
      option.textContent = label(r);
      list.append(option);
    });
    if (status) status.textContent = results.length ? Math.min(results.length, 10) + " suggesties" : "Geen suggesties";
  }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    input.addEventListener("input", function () {
      const q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch("/api/search?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (input.value.trim() === q) show(data.results); })
          .catch(function () {});
      }, 200);
    });
  });
})();
