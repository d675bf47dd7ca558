// The area map: polygons from our own API (GeoJSON) over a background map. The
// background is PDOK's BRT-Achtergrondkaart when that server answers, and otherwise our
// own gemeente outlines and names (/api/basemap), so the map works offline too.
// Coloured by the largest profile, the most over-represented one, the share of one
// profile, its difference from NL (diverging), or an index. Names on the map and a
// tooltip on hover or keyboard focus.
(function () {
  "use strict";
  const el = document.getElementById("kaart");
  if (!el || typeof maplibregl === "undefined") return;
  const info = document.getElementById("kaart-info");
  const profiles = JSON.parse(el.dataset.profiles || "[]");
  const breaks = JSON.parse(el.dataset.breaks || "[]");
  const ramp = JSON.parse(el.dataset.ramp || "[]");
  const mode = el.dataset.mode || "dominant";
  const diffProfile = mode.indexOf("verschil:") === 0 ? mode.slice(9) : null;
  const MAX_LABELS = 40;
  const PDOK_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png";
  const PDOK_ATTRIBUTION = "Achtergrond: BRT-Achtergrondkaart, Kadaster (CC BY 4.0)";
  const usePdok = el.dataset.basemap === "pdok";
  const names = {};
  const national = {};
  profiles.forEach(function (p) { names[p.id] = p.name; national[p.id] = p.share; });
  function shortName(name) { return String(name || "").replace(/^(Wijk|Buurt) \d+ /, ""); }
  const SUPPRESSED = "#ffffff";

  function fillColour() {
    if (mode === "dominant" || mode === "kenmerkend") {
      const key = mode === "dominant" ? "dominant" : "typical";
      const match = ["match", ["coalesce", ["get", key], ""]];
      profiles.forEach(function (p) { match.push(p.id, p.colour); });
      match.push(SUPPRESSED);
      return match;
    }
    if (diffProfile) {
      const k = "s_" + diffProfile;
      const diff = ["-", ["to-number", ["get", k]], national[diffProfile] || 0];
      const st = ["step", diff, ramp[0]];
      breaks.forEach(function (b, i) { st.push(b, ramp[i + 1]); });
      return ["case", ["has", k], st, SUPPRESSED];
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
    style: {
      version: 8,
      sources: usePdok ? { pdok: { type: "raster", tiles: [PDOK_TILES], tileSize: 256, maxzoom: 19, attribution: PDOK_ATTRIBUTION } } : {},
      layers: [{ id: "achtergrond", type: "background", paint: { "background-color": "#f4f4f0" } }].concat(
        usePdok ? [{ id: "pdok", type: "raster", source: "pdok", paint: { "raster-opacity": 0.9 } }] : []),
    },
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

  // Background: PDOK tiles when they load; otherwise (error or no tile within a few
  // seconds) our own gemeente outlines and names. The page never waits for PDOK.
  let background = usePdok ? "pdok" : null, pdokLoaded = false;
  function useFallback() {
    if (background === "eigen") return;
    background = "eigen";
    el.dataset.background = "eigen";
    if (map.getLayer("pdok")) map.removeLayer("pdok");
    if (!el.dataset.fallback) return;
    fetch(el.dataset.fallback).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      const before = map.getLayer("vlakken") ? "vlakken" : undefined;
      map.addSource("eigen-achtergrond", { type: "geojson", data: data });
      map.addLayer({ id: "eigen-vlakken", type: "fill", source: "eigen-achtergrond", paint: { "fill-color": "#e9e9e2" } }, before);
      map.addLayer({ id: "eigen-grenzen", type: "line", source: "eigen-achtergrond", paint: { "line-color": "#8c8c8c", "line-width": 0.8 } }, before);
      placeNames = data.features;
      updatePlaceNames();
    }).catch(function () {});
  }
  let placeNames = [], placeMarkers = [];
  function updatePlaceNames() {
    placeMarkers.forEach(function (m) { m.remove(); });
    placeMarkers = [];
    const bounds = map.getBounds(), shown = {};
    (currentCodes || []).forEach(function (c) { shown[c] = true; });
    placeNames.filter(function (f) {
      const p = f.properties;
      return !shown[p.code] && bounds.contains([p.lx, p.ly]);
    }).slice(0, 25).forEach(function (f) {
      const span = document.createElement("span");
      span.className = "map-place";
      span.setAttribute("aria-hidden", "true");
      span.textContent = f.properties.name;
      placeMarkers.push(new maplibregl.Marker({ element: span }).setLngLat([f.properties.lx, f.properties.ly]).addTo(map));
    });
  }
  if (background === "pdok") {
    el.dataset.background = "pdok";
    map.on("error", function (e) { if (e && e.sourceId === "pdok") useFallback(); });
    map.on("sourcedata", function (e) { if (e.sourceId === "pdok" && e.tile) pdokLoaded = true; });
    setTimeout(function () { if (!pdokLoaded) useFallback(); }, 4000);
  } else {
    map.once("load", useFallback);
  }
  map.on("moveend", function () { if (background === "eigen") updatePlaceNames(); });
  let currentCodes = [];

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
        // Opaque, so the map shows exactly the legend's colours.
        map.addLayer({ id: "vlakken", type: "fill", source: "gebieden", paint: { "fill-color": fillColour(), "fill-opacity": 1 } });
        map.addImage("arcering", hatch());
        map.addLayer({ id: "geen-schatting", type: "fill", source: "gebieden", filter: ["==", ["get", "suppressed"], true], paint: { "fill-pattern": "arcering" } });
        map.addLayer({ id: "randen", type: "line", source: "gebieden", paint: { "line-color": "#333333", "line-width": ["case", ["boolean", ["feature-state", "selected"], false], 3, 0.6] } });
        const bounds = new maplibregl.LngLatBounds();
        data.features.forEach(function (f) { extendGeometry(bounds, f.geometry); });
        if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 20, duration: 0 });
        currentCodes = data.features.map(function (f) { return f.properties.code; });
        addLabels(data.features);
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

  // Hover and keyboard-focus tooltip: the same sentence as the info line.
  const tooltip = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: "map-tooltip", maxWidth: "18rem" });
  let tooltipOwner = null;
  function showTooltip(feature, lngLat, owner) {
    tooltipOwner = owner || null;
    tooltip.setLngLat(lngLat).setText(summary(feature.properties)).addTo(map);
  }
  map.on("mousemove", "vlakken", function (e) { if (e.features.length) showTooltip(e.features[0], e.lngLat, null); });
  map.on("mouseleave", "vlakken", function () { tooltip.remove(); });

  // Names on the map: one focusable label per area (up to MAX_LABELS areas), placed on
  // a point inside it; focus or hover shows the tooltip, Enter selects it.
  function addLabels(features) {
    const withPoint = features.filter(function (f) { return f.properties.lx !== undefined; });
    if (withPoint.length === 0 || withPoint.length > MAX_LABELS) return;
    withPoint.forEach(function (f) {
      const p = f.properties;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "map-label";
      button.textContent = shortName(p.name);
      button.setAttribute("aria-label", summary(p));
      button.addEventListener("focus", function () { showTooltip(f, [p.lx, p.ly], button); });
      button.addEventListener("mouseenter", function () { showTooltip(f, [p.lx, p.ly], button); });
      button.addEventListener("blur", function () { if (tooltipOwner === button) tooltip.remove(); });
      button.addEventListener("click", function () { showInfo(f, true); });
      new maplibregl.Marker({ element: button }).setLngLat([p.lx, p.ly]).addTo(map);
    });
  }

  function summary(p) {
    if (p.suppressed === true || p.suppressed === "true") {
      return p.name + " (" + p.code + "): geen schatting, te weinig inwoners.";
    }
    if (mode === "kenmerkend") {
      const nat = national[p.typical];
      return p.typical
        ? p.name + ": meest kenmerkend profiel " + (names[p.typical] || "–") + ", " + pct(p["s_" + p.typical]) + (nat ? " tegen " + pct(nat) + " landelijk" : "") + "."
        : p.name + ": geen profiel duidelijk vaker dan landelijk.";
    }
    if (mode === "dominant") {
      return p.name + ": meest voorkomend profiel " + (names[p.dominant] || "–") + ", " + pct(p["s_" + p.dominant]) + ".";
    }
    if (diffProfile) {
      const v = p["s_" + diffProfile], nat = national[diffProfile];
      const d = Math.round((v - nat) * 100);
      return p.name + ": " + pct(v) + " " + (names[diffProfile] || "") + ", " + (d === 0 ? "gelijk aan" : (d > 0 ? d + " procentpunt meer dan" : (-d) + " procentpunt minder dan")) + " landelijk (" + pct(nat) + ").";
    }
    if (mode.indexOf("i_") === 0) {
      return p.name + ": " + pct(p[mode]) + ".";
    }
    return p.name + ": " + pct(p["s_" + mode]) + " " + (names[mode] || "") + ".";
  }

  let selected = null;
  function showInfo(feature, withLink) {
    if (!feature) return;
    const p = feature.properties;
    if (selected !== null) map.setFeatureState({ source: "gebieden", id: selected }, { selected: false });
    selected = p.code;
    map.setFeatureState({ source: "gebieden", id: selected }, { selected: true });
    const text = summary(p).replace(p.name + ":", p.name + " (" + p.code + "):").replace(p.name + " (" + p.code + ") (" + p.code + "):", p.name + " (" + p.code + "):");
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
