// The area map: polygons from our own API (GeoJSON), no background tiles, no network
// beyond this server. Coloured by the largest profile, the most over-represented one,
// or the share of one profile.
(function () {
  "use strict";
  const el = document.getElementById("kaart");
  if (!el || typeof maplibregl === "undefined") return;
  const info = document.getElementById("kaart-info");
  const profiles = JSON.parse(el.dataset.profiles || "[]");
  const breaks = JSON.parse(el.dataset.breaks || "[]");
  const ramp = JSON.parse(el.dataset.ramp || "[]");
  const mode = el.dataset.mode || "dominant";
  const names = {};
  const national = {};
  profiles.forEach(function (p) { names[p.id] = p.name; national[p.id] = p.share; });
  const SUPPRESSED = "#ffffff";

  function fillColour() {
    if (mode === "dominant" || mode === "kenmerkend") {
      const key = mode === "dominant" ? "dominant" : "typical";
      const match = ["match", ["coalesce", ["get", key], ""]];
      profiles.forEach(function (p) { match.push(p.id, p.colour); });
      match.push(SUPPRESSED);
      return match;
    }
    const key = mode.indexOf("i_") === 0 ? mode : "s_" + mode;
    const step = ["step", ["to-number", ["get", key]], ramp[0]];
    breaks.forEach(function (b, i) { step.push(b, ramp[i + 1]); });
    return ["case", ["has", key], step, SUPPRESSED];
  }

  function pct(x) {
    return (x === null || x === undefined) ? "–" : Math.round(x * 100) + "%";
  }

  window.betrokkenMapStart = performance.now();
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources: {}, layers: [{ id: "achtergrond", type: "background", paint: { "background-color": "#f4f4f0" } }] },
    center: [5.3, 52.1],
    zoom: 6,
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
    locale: {
      "Map.Title": "Kaart (verschuiven met de pijltjestoetsen, zoomen met + en -)",
      "NavigationControl.ZoomIn": "Inzoomen",
      "NavigationControl.ZoomOut": "Uitzoomen",
      "NavigationControl.ResetBearing": "Noorden boven",
      "AttributionControl.ToggleAttribution": "Bronvermelding tonen of verbergen",
      "AttributionControl.MapFeedback": "Terugmelding over de kaart",
      "Popup.Close": "Sluiten",
    },
    cooperativeGestures: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "Grenzen: CBS/Kadaster (CC-BY 4.0)" }));
  window.betrokkenMap = map;

  // Ask for the polygons at once, in parallel with MapLibre setting up WebGL.
  const polygons = fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("Kaartgegevens konden niet worden geladen (" + r.status + ").");
      return r.json();
    });
  polygons.catch(function () {});  // reported once the map is ready, see below

  map.on("load", function () {
    window.betrokkenMapLoaded = performance.now();
    polygons
      .then(function (data) {
        window.betrokkenMapData = performance.now();
        map.addSource("gebieden", { type: "geojson", data: data, promoteId: "code" });
        map.addLayer({ id: "vlakken", type: "fill", source: "gebieden", paint: { "fill-color": fillColour(), "fill-opacity": 0.85 } });
        map.addImage("arcering", hatch());
        map.addLayer({ id: "geen-schatting", type: "fill", source: "gebieden", filter: ["==", ["get", "suppressed"], true], paint: { "fill-pattern": "arcering" } });
        map.addLayer({ id: "randen", type: "line", source: "gebieden", paint: { "line-color": "#333333", "line-width": ["case", ["boolean", ["feature-state", "selected"], false], 3, 0.6] } });
        const bounds = new maplibregl.LngLatBounds();
        data.features.forEach(function (f) { extendGeometry(bounds, f.geometry); });
        if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 20, duration: 0 });
        // First paint: the first frame drawn once the polygons are loaded.
        map.on("render", function painted() {
          if (!map.isSourceLoaded("gebieden")) return;
          window.betrokkenMapPainted = performance.now();
          map.off("render", painted);
        });
        map.once("idle", function () {
          window.betrokkenMapIdle = performance.now();
          el.dataset.ready = "1";
          el.dispatchEvent(new CustomEvent("kaart-klaar"));
        });
        if (el.dataset.focus) showInfo(data.features.find(function (f) { return f.properties.code === el.dataset.focus; }), false);
      })
      .catch(function (err) { info.textContent = err.message + " De gegevens staan ook in de tabel."; });
  });

  // Diagonal hatching for areas without an estimate, as in the legend.
  function hatch() {
    const size = 8, data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = (x + y) % size === 0, i = (y * size + x) * 4;
        const v = on ? 120 : 255;
        data[i] = v; data[i + 1] = v; data[i + 2] = v; data[i + 3] = 255;
      }
    }
    return { width: size, height: size, data: data };
  }

  function extendGeometry(bounds, geometry) {
    if (!geometry) return;
    if (geometry.type === "GeometryCollection") {
      (geometry.geometries || []).forEach(function (g) { extendGeometry(bounds, g); });
      return;
    }
    extend(bounds, geometry.coordinates || []);
  }

  function extend(bounds, coords) {
    if (!Array.isArray(coords) || coords.length === 0) return;
    if (typeof coords[0] === "number") { bounds.extend(coords); return; }
    coords.forEach(function (c) { extend(bounds, c); });
  }

  let selected = null;
  function showInfo(feature, withLink) {
    if (!feature) return;
    const p = feature.properties;
    if (selected !== null) map.setFeatureState({ source: "gebieden", id: selected }, { selected: false });
    selected = p.code;
    map.setFeatureState({ source: "gebieden", id: selected }, { selected: true });
    let text;
    if (p.suppressed === true || p.suppressed === "true") {
      text = p.name + " (" + p.code + "): geen schatting, te weinig inwoners.";
    } else if (mode === "kenmerkend") {
      const nat = national[p.typical];
      text = p.name + " (" + p.code + "): meest kenmerkend profiel " + (names[p.typical] || "–") + ", " + pct(p["s_" + p.typical]) + (nat ? " tegen " + pct(nat) + " landelijk" : "") + ".";
    } else if (mode === "dominant") {
      text = p.name + " (" + p.code + "): meest voorkomend profiel " + (names[p.dominant] || "–") + ", " + pct(p["s_" + p.dominant]) + ".";
    } else {
      text = p.name + " (" + p.code + "): " + pct(p["s_" + mode]) + " " + (names[mode] || "") + ".";
    }
    info.textContent = "";
    info.append(text + " ");
    if (withLink) {
      const a = document.createElement("a");
      a.href = "/gebied/" + encodeURIComponent(p.code);
      a.textContent = "Bekijk " + p.name;
      a.id = "kaart-link";
      info.append(a);
    }
  }

  map.on("click", "vlakken", function (e) { showInfo(e.features[0], true); });
  map.on("mouseenter", "vlakken", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "vlakken", function () { map.getCanvas().style.cursor = ""; });

  document.querySelectorAll("[data-map-png]").forEach(function (button) {
    button.addEventListener("click", function () {
      const a = document.createElement("a");
      a.href = map.getCanvas().toDataURL("image/png");
      a.download = "kaart.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  });

})();
