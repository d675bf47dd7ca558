// Suggestions while typing in the search box: plain links under the field (no combobox
// widget to learn), announced politely. The form still works without JavaScript.
(function () {
  "use strict";
  const input = document.getElementById("zoek-q");
  const list = document.getElementById("zoek-suggesties");
  const status = document.getElementById("zoek-status");
  if (!input || !list || !status) return;
  let timer = null, last = "";

  function show(results) {
    list.textContent = "";
    results.slice(0, 8).forEach(function (r) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/gebied/" + encodeURIComponent(r.code);
      a.textContent = r.name;
      const tag = document.createElement("span");
      tag.className = "muted";
      tag.textContent = " " + r.level_label + (r.gemeente_name && r.level !== "gemeente" ? ", " + r.gemeente_name : "");
      li.append(a, tag);
      list.append(li);
    });
    status.textContent = results.length ? Math.min(results.length, 8) + " suggesties onder het zoekveld" : "Geen suggesties";
  }

  input.addEventListener("input", function () {
    const q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { list.textContent = ""; status.textContent = ""; return; }
    timer = setTimeout(function () {
      if (q === last) return;
      last = q;
      fetch("/api/search?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.results); })
        .catch(function () {});
    }, 200);
  });
})();
