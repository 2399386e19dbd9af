/** Rewrites src/config/shape.ts from the config schema (run after editing src/config/schema.ts). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { shapeSource } from "../src/config/generate.ts";

const file = join(import.meta.dir, "..", "src", "config", "shape.ts");
writeFileSync(file, shapeSource());
console.log(`wrote ${file}`);
