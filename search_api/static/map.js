// The results map, drawn with Leaflet from files this site serves: US state outlines (county
// borders when zoomed in) and big-city labels from us-atlas and GeoNames, converted once by
// tools/basemap. No tile server is asked unless the operator set one (KATDIR_MAP_TILE_URL), so
// by default no third party learns where anyone searched. Markers are numbered like the list
// and are not Tab stops: the list is the keyboard's way to the clinics.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || !window.L) return;
  var data = box.dataset;
  var origin = [parseFloat(data.lat), parseFloat(data.lon)];
  var staticRoot = data.static || "/static/";
  var phone = window.matchMedia("(max-width: 900px)");

  var map = L.map(box, { zoomSnap: 0.5, worldCopyJump: false, attributionControl: true });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" rel="noopener noreferrer">Leaflet</a>');
  L.control.scale({ imperial: true, metric: true }).addTo(map);

  function getJSON(path, then) {
    fetch(staticRoot + path, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (json) { if (json) then(json); })
      .catch(function () { /* the map still shows the markers */ });
  }

  if (data.tiles) {
    L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 18 }).addTo(map);
  } else {
    map.attributionControl.addAttribution("Outlines: US Census Bureau via us-atlas · Places: GeoNames");
    getJSON("map/states.geojson", function (states) {
      L.geoJSON(states, { interactive: false, style: {
        color: "#8a94a8", weight: 1.2, fillColor: "#fbfaf6", fillOpacity: 1 } }).addTo(map).bringToBack();
    });
    var counties = null;
    var showCounties = function () {
      if (map.getZoom() < 7) { if (counties) map.removeLayer(counties); return; }
      if (counties) { counties.addTo(map); return; }
      getJSON("map/counties.geojson", function (lines) {
        counties = L.geoJSON(lines, { interactive: false,
          style: { color: "#b9c0cc", weight: 0.7, dashArray: "3 3" } });
        showCounties();
      });
    };
    map.on("zoomend", showCounties);
    map.whenReady(showCounties);

    // Place labels: the bigger the place, the further out it shows; only those in view.
    var labels = L.layerGroup().addTo(map), places = [];
    var drawLabels = function () {
      labels.clearLayers();
      var zoom = map.getZoom(), view = map.getBounds().pad(0.1);
      var least = zoom >= 9 ? 50000 : zoom >= 8 ? 100000 : zoom >= 6 ? 250000 : 1000000;
      places.forEach(function (p) {
        if (p.population < least || !view.contains(p.at)) return;
        L.marker(p.at, { interactive: false, keyboard: false,
          icon: L.divIcon({ className: "place-label", html: p.name, iconSize: null, iconAnchor: [3, 7] })
        }).addTo(labels);
      });
    };
    getJSON("map/cities.geojson", function (json) {
      places = json.features.map(function (f) {
        return { name: f.properties.name, population: f.properties.population,
                 at: [f.geometry.coordinates[1], f.geometry.coordinates[0]] };
      });
      drawLabels();
    });
    map.on("moveend", drawLabels);
  }

  var points = [];
  if (data.markerName) {  // a clinic's page: its one marker
    L.marker(origin, { keyboard: false, title: data.markerName,
      icon: L.divIcon({ className: "map-pin", html: "", iconSize: [22, 22] }) }).addTo(map);
    map.setView(origin, parseFloat(data.zoom) || 11);
  } else {  // the results: the radius, the search point, a numbered marker per result
    var radius = L.circle(origin, { radius: parseFloat(data.radiusKm) * 1000, interactive: false,
      color: "#1f4a9c", weight: 1.5, dashArray: "5 5", fill: false }).addTo(map);
    L.circleMarker(origin, { radius: 5, color: "#b3261e", weight: 2, fillOpacity: 1,
      fillColor: "#fff", interactive: false }).addTo(map);
    document.querySelectorAll("ol.results li[data-lat]").forEach(function (item) {
      var at = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
      var marker = L.marker(at, { keyboard: false, title: item.dataset.rank + ". " + item.dataset.name,
        icon: L.divIcon({ className: "map-pin", html: item.dataset.rank, iconSize: [22, 22] }) }).addTo(map);
      var link = document.createElement("a");
      link.href = item.dataset.url;
      link.textContent = item.dataset.rank + ". " + item.dataset.name;
      marker.bindPopup(link);
      item.addEventListener("mouseenter", function () { L.DomUtil.addClass(marker._icon, "active"); });
      item.addEventListener("mouseleave", function () { L.DomUtil.removeClass(marker._icon, "active"); });
      points.push(at);
    });
    var fit = function () {
      var bounds = points.length ? L.latLngBounds(points).extend(origin) : radius.getBounds();
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11 });
    };
    fit();

    // On a phone the list comes first; the map opens on request.
    var toggle = document.querySelector(".map-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = !box.classList.contains("open");
        box.classList.toggle("open", open);
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? "Hide the map" : "Show the map";
        if (open) { map.invalidateSize(); fit(); }
      });
    }
  }
  // Leaflet makes the map container a Tab stop for keyboard panning; keep it, and name it.
  box.setAttribute("aria-roledescription", "map");
})();
