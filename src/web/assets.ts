/** Files the pages load: pai's own script and style (src/web/static/), and the chart and graph libraries from the install. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { installDir } from "../kernel/paths.ts";

// From the install, not from this module's place: the build (dist/pai/) runs this code too.
const STATIC = join(installDir, "src", "web", "static");
/** A file beside a package's main entry (the packages export no other path). */
const beside = (pkg: string, file: string) => join(dirname(createRequire(join(installDir, "package.json")).resolve(pkg)), file);

const FILES: Record<string, () => string> = {
  "/static/app.js": () => join(STATIC, "app.js"),
  "/static/signin.js": () => join(STATIC, "signin.js"),
  "/static/style.css": () => join(STATIC, "style.css"),
  "/vendor/chart.js": () => beside("chart.js", "chart.umd.min.js"),
  "/vendor/cytoscape.js": () => beside("cytoscape", "cytoscape.min.js"),
};

const cache = new Map<string, Uint8Array>();

/** The asset at `path`, or undefined when there is none. */
export function asset(path: string): Response | undefined {
  const file = FILES[path];
  if (!file) return undefined;
  let bytes = cache.get(path);
  if (!bytes) {
    bytes = readFileSync(file());
    cache.set(path, bytes);
  }
  const type = path.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
  return new Response(bytes, { headers: { "content-type": type, "cache-control": "private, max-age=3600" } });
}
