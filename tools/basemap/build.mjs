// Builds what the map serves from this site (no tile server, no CDN): Leaflet's dist files and
// licence into search_api/static/vendor/leaflet/, and us-atlas' TopoJSON converted once to
// GeoJSON (states as polygons, county borders as lines) into search_api/static/map/.
// Coordinates are rounded to 0.001° (about 100 m): finer than the 1:10m outlines themselves.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as topojson from "topojson-client";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "node_modules");
const staticDir = path.resolve(here, "../../search_api/static");

function round(coords) {
  return Array.isArray(coords[0]) ? coords.map(round)
    : [Math.round(coords[0] * 1000) / 1000, Math.round(coords[1] * 1000) / 1000];
}

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

const leaflet = path.join(staticDir, "vendor", "leaflet");
fs.rmSync(leaflet, { recursive: true, force: true });
for (const file of ["leaflet.js", "leaflet.css", "images/marker-icon.png", "images/marker-icon-2x.png",
  "images/marker-shadow.png", "images/layers.png", "images/layers-2x.png"]) {
  copy(path.join(modules, "leaflet", "dist", file), path.join(leaflet, file));
}
copy(path.join(modules, "leaflet", "LICENSE"), path.join(leaflet, "LICENSE"));

const map = path.join(staticDir, "map");
fs.mkdirSync(map, { recursive: true });
const atlas = (file) => JSON.parse(fs.readFileSync(path.join(modules, "us-atlas", file)));

const states = atlas("states-10m.json");
const stateShapes = topojson.feature(states, states.objects.states);
for (const f of stateShapes.features) f.geometry.coordinates = round(f.geometry.coordinates);
fs.writeFileSync(path.join(map, "states.geojson"), JSON.stringify(stateShapes));

const counties = atlas("counties-10m.json");
const countyLines = topojson.mesh(counties, counties.objects.counties,
  (a, b) => a !== b && Math.floor(a.id / 1000) === Math.floor(b.id / 1000));  // borders inside a state
countyLines.coordinates = round(countyLines.coordinates);
fs.writeFileSync(path.join(map, "counties.geojson"), JSON.stringify(countyLines));

copy(path.join(modules, "us-atlas", "LICENSE"), path.join(map, "us-atlas.LICENSE"));
const versions = ["leaflet", "topojson-client", "us-atlas"].map((name) =>
  `${name} ${JSON.parse(fs.readFileSync(path.join(modules, name, "package.json"))).version}`);
fs.writeFileSync(path.join(staticDir, "vendor", "VERSIONS"),
  "Built by tools/basemap (make basemap) from npm:\n" + versions.join("\n") + "\n");
console.log("basemap built:", versions.join(", "));
