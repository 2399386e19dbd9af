/**
 * `pai integrate <tool> [--uninstall]`: registers pai's MCP server (and, for Claude Code, its hooks) in another
 * tool's settings files, and takes it out again.
 *
 * Install edits the existing file in place: every file is read and checked first (a malformed one stops
 * everything, nothing is written), a changed file is copied to `<file>.pai-backup-<timestamp>` before it is
 * replaced atomically, and only pai's own entries are inserted, as text, so every other byte (comments, number
 * literals, inline arrays, spacing) stays as it was; JSONC files (comments) are edited the same way.
 * user/integrations.json records whether each file existed, where its backup is, which objects and arrays pai
 * created, and a hash of the text pai last wrote, so `--uninstall` can put back exactly what was there: when the
 * file is still what pai wrote, the backup's bytes are restored (or the file pai created is removed); when the
 * user changed it since, only this profile's entries are taken out, with the containers pai created that are
 * left empty.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, constants, existsSync, readFileSync, readdirSync, realpathSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as z from "zod";
import { UserError } from "../../kernel/errors.ts";
import { installDir, requireUser, type Paths } from "../../kernel/paths.ts";
import { writeFileAtomic } from "../../kernel/fs.ts";
import { JsoncDocument, type JsonPath } from "./jsonc-edit.ts";
import { DEFAULT_STYLE, readSettings, sameJson, serialize, type SettingsFile } from "./settings-file.ts";
import { editsFor, envFrom, TOOLS, type FileEdit, type ServerSpec, type Tool } from "./targets.ts";

export { TOOLS, type Tool } from "./targets.ts";

export const TOOL_NAMES: Record<Tool, string> = { "claude-code": "Claude Code", opencode: "OpenCode", gemini: "Gemini CLI" };

export type FileAction = "create" | "modify" | "unchanged" | "restore" | "delete" | "absent";

export interface FileResult {
  id: string;
  path: string;
  display: string;
  action: FileAction;
  changes: string[];
  /** The backup made (or that would be made) before changing the file. */
  backup?: string;
}

export interface IntegrateResult {
  tool: Tool;
  name: string;
  action: "install" | "uninstall";
  dryRun: boolean;
  server: { command: string; args: string[]; env: Record<string, string> };
  files: FileResult[];
}

export interface IntegrateOptions {
  tool: string;
  uninstall?: boolean;
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  paths: Paths;
  now?: Date;
}

const manifestSchema = z.object({
  version: z.literal(1),
  files: z.record(
    z.string(),
    z.object({
      tool: z.string(),
      existed: z.boolean(),
      backup: z.string().nullable(),
      createdDir: z.string().nullable().optional(),
      installedAt: z.string(),
      /** Objects and arrays pai created in the file (removed on uninstall when left empty). */
      created: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
      /** sha256 of the text pai last wrote: the file still holds it when nobody changed it since. */
      written: z.string().optional(),
    }),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;

function manifestPath(p: Paths): string {
  return join(p.user, "integrations.json");
}

function readManifest(p: Paths): Manifest {
  const file = manifestPath(p);
  if (!existsSync(file)) return { version: 1, files: {} };
  try {
    return manifestSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    // A damaged record only costs exactness on uninstall (pai's entries are still recognised and removed).
    return { version: 1, files: {} };
  }
}

function writeManifest(p: Paths, m: Manifest): void {
  writeFileAtomic(manifestPath(p), `${JSON.stringify(m, null, 2)}\n`);
}

export function parseTool(name: string): Tool {
  if ((TOOLS as readonly string[]).includes(name)) return name as Tool;
  throw new UserError(`unknown tool '${name}'`, { hint: `choose one of: ${TOOLS.join(", ")}` });
}

/** pai's launcher and the profile (PAI_HOME, else the default profile: the install) every entry is marked with. */
export function serverSpec(env: NodeJS.ProcessEnv = process.env, p?: Paths): ServerSpec {
  const home = env.PAI_HOME?.trim();
  return { command: join(installDir, "bin", "pai"), paiHome: home ? resolve(home) : (p?.home ?? installDir), defaultHome: installDir };
}

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

function backupPathFor(path: string, now: Date): string {
  const base = `${path}.pai-backup-${stamp(now)}`;
  let candidate = base;
  for (let i = 1; existsSync(candidate); i++) candidate = `${base}-${i}`;
  return candidate;
}

/**
 * Writes a settings file atomically, keeping the mode of the file it replaces. A symlinked file (dotfiles
 * managers) is written through the link, so the link stays a link.
 */
function writeKeepingMode(path: string, text: string | Uint8Array): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : 0o600;
  writeFileAtomic(target, text);
  chmodSync(target, mode);
}

/** The highest folder on the way to `file` that does not exist yet (so pai can remove what it made). */
function firstMissingDir(file: string): string | null {
  let dir = dirname(file);
  let missing: string | null = null;
  while (!existsSync(dir)) {
    missing = dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return missing;
}

function removeEmptyDirs(file: string, top: string): void {
  let dir = dirname(file);
  for (;;) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
    if (dir === top) return;
    const up = dirname(dir);
    if (up === dir || !up.startsWith(top)) return;
    dir = up;
  }
}

export function integrate(opts: IntegrateOptions): IntegrateResult {
  const tool = parseTool(opts.tool);
  const p = requireUser(opts.paths);
  const env = opts.env ?? process.env;
  const spec = serverSpec(env, p);
  const edits = editsFor(tool, envFrom(env));
  // Every file is read and checked before anything is written: a malformed one stops the whole operation.
  const files = edits.map((e) => readSettings(e.path, e.display));
  const now = opts.now ?? new Date();
  const dryRun = !!opts.dryRun;
  const manifest = readManifest(p);
  const results = opts.uninstall
    ? edits.map((e, i) => uninstallOne(e, files[i]!, spec, manifest, dryRun))
    : edits.map((e, i) => planInstall(e, files[i]!, spec)).map((plan) => installOne(plan, tool, manifest, dryRun, now));
  if (!dryRun) writeManifest(p, manifest);
  const serverEnv: Record<string, string> = { PAI_HOME: spec.paiHome };
  return {
    tool,
    name: TOOL_NAMES[tool],
    action: opts.uninstall ? "uninstall" : "install",
    dryRun,
    server: { command: spec.command, args: ["mcp"], env: serverEnv },
    files: results,
  };
}

interface Planned {
  edit: FileEdit;
  file: SettingsFile;
  changes: string[];
  created: JsonPath[];
  text?: string;
}

/** Works out the new text of every file; throws (before anything is written) when one cannot be edited. */
function planInstall(edit: FileEdit, file: SettingsFile, spec: ServerSpec): Planned {
  const fresh = !file.exists || file.text.trim() === "";
  const doc = fresh ? new JsoncDocument(serialize(edit.initial(), DEFAULT_STYLE), DEFAULT_STYLE) : new JsoncDocument(file.text, file.style);
  const { changes, created } = edit.install(doc, spec);
  if (changes.length === 0) return { edit, file, changes, created };
  return { edit, file, changes, created, text: doc.text };
}

function installOne({ edit, file, changes, created, text }: Planned, tool: Tool, manifest: Manifest, dryRun: boolean, now: Date): FileResult {
  const base = { id: edit.id, path: edit.path, display: edit.display };
  if (changes.length === 0 || text === undefined) return { ...base, action: "unchanged", changes };
  const backup = file.exists ? backupPathFor(edit.path, now) : undefined;
  if (!dryRun) {
    const createdDir = file.exists ? null : firstMissingDir(edit.path);
    if (backup) copyFileSync(edit.path, backup, constants.COPYFILE_EXCL);
    writeKeepingMode(edit.path, text);
    // The first install's record is kept: its backup is the state before pai. What pai created accumulates.
    const record = (manifest.files[edit.path] ??= { tool, existed: file.exists, backup: backup ?? null, createdDir, installedAt: now.toISOString() });
    const known = new Set((record.created ?? []).map((p) => JSON.stringify(p)));
    record.created = [...(record.created ?? []), ...created.filter((p) => !known.has(JSON.stringify(p)))];
    record.written = sha256(text);
  }
  return { ...base, action: file.exists ? "modify" : "create", changes, ...(backup ? { backup } : {}) };
}

function uninstallOne(edit: FileEdit, file: SettingsFile, spec: ServerSpec, manifest: Manifest, dryRun: boolean): FileResult {
  const base = { id: edit.id, path: edit.path, display: edit.display };
  const record = manifest.files[edit.path];
  if (!file.exists || file.text.trim() === "") {
    if (!dryRun) delete manifest.files[edit.path];
    return { ...base, action: file.exists ? "unchanged" : "absent", changes: [] };
  }
  const doc = new JsoncDocument(file.text, file.style);
  const changes = edit.uninstall(doc, spec, record?.created ?? []);
  if (changes.length === 0) {
    if (!dryRun) delete manifest.files[edit.path];
    return { ...base, action: "unchanged", changes };
  }

  let action: FileAction = "modify";
  let text: string | Uint8Array = doc.text;
  let backup: string | undefined;
  const untouched = record?.written !== undefined && record.written === sha256(file.text);
  const rest = doc.get([]);
  if (record && !record.existed && (untouched || sameJson(rest, {}) || sameJson(rest, edit.initial()))) {
    action = "delete";
  } else if (untouched && record?.backup && existsSync(record.backup)) {
    // Nobody changed the file since pai wrote it: it goes back to its bytes from before the install.
    action = "restore";
    text = readFileSync(record.backup);
    backup = record.backup;
  }

  if (!dryRun) {
    if (action === "delete") {
      unlinkSync(edit.path);
      if (record?.createdDir) removeEmptyDirs(edit.path, record.createdDir);
    } else {
      writeKeepingMode(edit.path, text);
      // The backup holds exactly what the file now holds again: it is no longer needed.
      if (action === "restore" && backup) unlinkSync(backup);
    }
    delete manifest.files[edit.path];
  }
  return { ...base, action, changes, ...(backup ? { backup } : {}) };
}
