/**
 * Loading a pack's manifest: validated with zod, then checked against the pack's files (modules, prompts and
 * SKILL.md folders exist, SKILL.md is valid, every cli executable is declared, hooks name real commands).
 * Every problem is collected and reported at once.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import { ForeignFrontMatterError } from "../../kernel/frontmatter.ts";
import { configKeyOf } from "../template.ts";
import { parseFrontMatter } from "./frontmatter.ts";
import { dedupe, firstLine, ManifestError, problemOf, writtenValue, type ManifestProblem } from "./problems.ts";
import { COMMAND_RE, commandSchema, manifestSchema, type ConfigKeySpec, type PackCommand, type PackManifest } from "./schema.ts";
import { readSkill } from "./skill.ts";

function inside(dir: string, rel: string): string | undefined {
  const full = resolve(dir, rel);
  return full === dir || full.startsWith(dir + sep) ? full : undefined;
}

/** Reads the raw manifest of a pack folder: pack.json first, else PACK.md's front matter. */
function readRaw(dir: string): { raw: unknown; file: string } {
  const json = join(dir, "pack.json");
  const md = join(dir, "PACK.md");
  if (existsSync(json)) {
    try {
      return { raw: JSON.parse(readFileSync(json, "utf8")), file: "pack.json" };
    } catch (err) {
      throw new ManifestError([{ file: "pack.json", path: "", message: `not valid JSON (${(err as Error).message})` }]);
    }
  }
  if (existsSync(md)) {
    try {
      return { raw: parseFrontMatter(readFileSync(md, "utf8"), md).data, file: "PACK.md" };
    } catch (err) {
      if (err instanceof ForeignFrontMatterError) throw err;
      throw new ManifestError([{ file: "PACK.md", path: "front matter", message: `not valid YAML (${firstLine((err as Error).message)})` }]);
    }
  }
  throw new UserError(`${dir} is not a pack: it has neither pack.json nor PACK.md`, {
    hint: "a pack is a folder with a manifest; see packs/README.md",
  });
}

function checkCommand(
  dir: string,
  file: string,
  packName: string,
  name: string,
  cmd: PackCommand,
  commands: Record<string, PackCommand>,
  config: Record<string, ConfigKeySpec>,
  problems: ManifestProblem[],
  checkSkills: boolean,
): void {
  const names = Object.keys(commands);
  const at = `commands.${name}`;
  if (!COMMAND_RE.test(name) || name.length > 64) {
    problems.push({ file, path: at, message: "command names use only a-z, 0-9 and single hyphens or underscores (at most 64)" });
  }
  const need = (rel: string, field: string, kind: "file" | "dir") => {
    const full = inside(dir, rel);
    if (!full || !existsSync(full) || (kind === "file" ? !statSync(full).isFile() : !statSync(full).isDirectory())) {
      problems.push({ file, path: `${at}.${field}`, message: `${kind === "file" ? "file" : "folder"} '${rel}' not found in the pack` });
      return undefined;
    }
    return full;
  };
  if (cmd.tier === "code") need(cmd.module, "module", "file");
  if (cmd.tier === "prompt") {
    const prompt = need(cmd.prompt, "prompt", "file");
    // Its front matter is read as the run reads it: another language than YAML is refused here, unread.
    if (prompt && checkSkills) {
      try {
        parseFrontMatter(readFileSync(prompt, "utf8"), prompt);
      } catch (err) {
        if (err instanceof ForeignFrontMatterError) throw err;
        problems.push({ file: cmd.prompt, path: "front matter", message: `not valid YAML (${firstLine((err as Error).message)})` });
      }
    }
  }
  if (cmd.tier === "cli" && !cmd.permissions.exec.includes(cmd.exec)) {
    problems.push({ file, path: `${at}.exec`, message: `'${cmd.exec}' must also be listed in ${at}.permissions.exec` });
  }
  if (cmd.tier === "skill") {
    const folder = need(cmd.skill, "skill", "dir");
    if (folder && checkSkills) {
      const skillFile = join(cmd.skill, "SKILL.md");
      const skill = readSkill(folder, problems, skillFile);
      for (const tool of skill?.allowedTools ?? []) {
        const [prefix, target] = tool.includes(":") ? (tool.split(":") as [string, string]) : [packName, tool];
        if (prefix !== packName || !commands[target]) {
          problems.push({ file: skillFile, path: "allowed-tools", message: `'${tool}' is not a command of this pack (commands: ${names.join(", ")})` });
        } else if (commands[target]!.tier === "skill") {
          problems.push({ file: skillFile, path: "allowed-tools", message: `'${tool}' is a skill; a skill may call only code, cli and prompt commands` });
        }
      }
    }
  }
  for (const key of templateKeys([...cmd.permissions.network, ...cmd.permissions.read, ...cmd.permissions.write])) {
    if (!config[key]) problems.push({ file, path: `${at}.permissions`, message: `{{config.${key}}} names no key of 'config'` });
  }
}

/**
 * Loads and validates a pack's manifest, listing every problem (file, field path, what is allowed).
 * Nothing from the pack is executed. `skills: false` skips parsing SKILL.md files (listing and routing of
 * installed packs, which were fully checked at install; a skill's SKILL.md is checked again when it runs).
 */
export function loadManifest(dirIn: string, opts: { skills?: boolean } = {}): PackManifest {
  const checkSkills = opts.skills !== false;
  const dir = resolve(dirIn);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`no pack folder at ${dir}`, { hint: "give the path of a folder that holds pack.json or PACK.md" });
  }
  const { raw, file } = readRaw(dir);
  const problems: ManifestProblem[] = [];
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    for (const issue of r.error.issues) problems.push(problemOf(issue, file, raw));
    // Check the files of the commands that are themselves valid, so one pass reports every problem.
    const rawObj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const rawCommands = (rawObj.commands && typeof rawObj.commands === "object" ? rawObj.commands : {}) as Record<string, unknown>;
    const parsed: Record<string, PackCommand> = {};
    for (const [name, c] of Object.entries(rawCommands)) {
      const one = commandSchema.safeParse(c);
      if (one.success) parsed[name] = one.data;
    }
    const rawConfig = (rawObj.config && typeof rawObj.config === "object" ? rawObj.config : {}) as Record<string, ConfigKeySpec>;
    for (const [name, cmd] of Object.entries(parsed)) checkCommand(dir, file, String(rawObj.name ?? ""), name, cmd, parsed, rawConfig, problems, true);
    if (rawObj.commands && typeof rawObj.commands === "object" && !Object.keys(rawCommands).length) {
      problems.push({ file, path: "commands", message: "a pack needs at least one command" });
    }
    throw new ManifestError(dedupe(problems));
  }
  const m = r.data;
  const names = Object.keys(m.commands);
  if (names.length === 0) problems.push({ file, path: "commands", message: "a pack needs at least one command" });
  for (const [name, cmd] of Object.entries(m.commands)) checkCommand(dir, file, m.name, name, cmd, m.commands, m.config, problems, checkSkills);
  m.hooks.forEach((h, i) => {
    if (!m.commands[h.command]) problems.push({ file, path: `hooks.${i}.command`, message: `'${h.command}' is not a command of this pack (commands: ${names.join(", ")})` });
    if (h.event === "schedule" && !h.cron) problems.push({ file, path: `hooks.${i}.cron`, message: "required for a schedule hook (a cron expression)" });
    if (h.event === "file.changed" && !h.paths?.length) problems.push({ file, path: `hooks.${i}.paths`, message: "required for a file.changed hook" });
  });
  for (const [key, spec] of Object.entries(m.config)) {
    if (spec.default !== undefined && !matchesType(spec.default, spec.type)) {
      problems.push({ file, path: `config.${key}.default`, message: `must be of type ${spec.type}, got ${writtenValue(spec.default)}` });
    }
  }
  if (problems.length) throw new ManifestError(problems);
  return { ...m, dir, file };
}

export function matchesType(v: unknown, type: ConfigKeySpec["type"]): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "string[]":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
  }
}

/** The config keys referenced as {{config.KEY}} in a list of permission entries. */
export function templateKeys(entries: string[]): string[] {
  return entries.map(configKeyOf).filter((k): k is string => k !== undefined);
}
