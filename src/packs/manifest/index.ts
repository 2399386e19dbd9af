/**
 * The pack manifest: `pack.json`, or the YAML front matter of `PACK.md`. Validated with zod, then checked
 * against the pack's files. Every problem is collected and reported at once, each with the file, the field
 * path and what is allowed.
 */
export * from "./schema.ts";
export { ManifestError, type ManifestProblem } from "./problems.ts";
export { parseFrontMatter } from "./frontmatter.ts";
export { skillOf, type SkillDoc } from "./skill.ts";
export { loadManifest, matchesType } from "./load.ts";
export { commandChanges } from "./changes.ts";
