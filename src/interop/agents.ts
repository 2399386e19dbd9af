/**
 * `pai export agents`: a context file for coding agents (AGENTS.md, read by OpenCode, Codex, Gemini CLI and
 * others; CLAUDE.md, read by Claude Code) written from the Telos and the memories the user chose for it.
 *
 * pai owns only the block between `<!-- pai:begin -->` and `<!-- pai:end -->`: a re-export replaces that
 * block and leaves every other byte of the file alone; a file without the markers gets the block appended.
 * Since these files are read by cloud agents and often committed to a repository, "shareable" (a cloud model may
 * see it) is not enough for a memory: only pinned ones and those marked for agents files (`pai remember
 * --for-agents`, `pai memory edit ID --for-agents`) go in, and of those only the shareable ones unless the user
 * asks for private ones too. The Telos goes in as its shareable files. The block holds no date, so an export
 * with nothing new leaves the file untouched.
 *
 * A file is only ever written inside the export folder: a context file that is a link is followed only when it
 * leads to a regular file inside that folder (CLAUDE.md -> AGENTS.md); a link leading out of it (a cloned repo's
 * AGENTS.md -> ~/.ssh/config), nowhere, or through a linked folder out of it is refused before anything is
 * written. The new text goes to a fresh temporary file beside the target, renamed over it.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { UserError } from "../kernel/errors.ts";
import { openMemory, type MemoryItem } from "../memory/index.ts";
import { redactSecrets } from "../kernel/redact.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Database } from "../kernel/storage/index.ts";
import { formatLinks, loadTelos, textLines, type Telos } from "../telos/index.ts";

export const BEGIN = "<!-- pai:begin -->";
export const END = "<!-- pai:end -->";

export const FLAVOURS = ["agents", "claude", "both"] as const;
export type Flavour = (typeof FLAVOURS)[number];

const FILE_OF: Record<Exclude<Flavour, "both">, string> = { agents: "AGENTS.md", claude: "CLAUDE.md" };

/** Memory kinds worth telling an agent about (episodes and actions are history, not standing facts). */
const EXPORTED_KINDS = new Set(["fact", "preference", "event", "note"]);
/** Most memories in the block. */
export const MAX_MEMORIES = 30;

export interface BlockInput {
  name?: string;
  telos: Telos;
  memories: MemoryItem[];
  includePrivate: boolean;
}

export interface RenderedBlock {
  text: string;
  telosItems: number;
  memories: number;
}

const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, " ").trim();

/** The block pai writes, markers included. */
export function renderBlock(input: BlockInput): RenderedBlock {
  const out: string[] = [BEGIN, "<!-- Written by `pai export agents` from the user's Telos and memory; replaced on every export. Edit the Telos, not this block. -->", ""];
  out.push("## About the user", "");
  if (input.name) out.push(`Name: ${input.name}`, "");
  let telosItems = 0;
  for (const doc of input.telos.docs) {
    if (doc.mtimeMs === 0) continue;
    if (doc.visibility !== "shareable" && !input.includePrivate) continue;
    const lines =
      doc.name === "preferences"
        ? textLines(doc).map((l) => `- ${oneLine(l)}`)
        : doc.items
            .filter((it) => it.active && (input.includePrivate || it.visibility === "shareable"))
            .map((it) => `- ${it.id}: ${oneLine(it.text)}${it.links.length ? ` ${formatLinks(it.links)}` : ""}`);
    if (lines.length === 0) continue;
    telosItems += lines.length;
    out.push(`### ${doc.title}`, "", ...lines, "");
  }
  const memories = input.memories
    .filter((m) => EXPORTED_KINDS.has(m.kind) && (input.includePrivate || m.visibility === "shareable"))
    .slice(0, MAX_MEMORIES);
  if (memories.length) {
    out.push("### What pai remembers", "");
    for (const m of memories) out.push(`- ${oneLine(m.content)} (${m.createdAt.slice(0, 10)})`);
    out.push("");
  }
  if (telosItems === 0 && memories.length === 0) out.push("_Nothing shareable yet: fill in the Telos files (`pai telos edit goals`)._", "");
  out.push(END);
  // These files are read by cloud agents and often committed: no secret goes in, even one typed into the Telos.
  return { text: redactSecrets(out.join("\n")).text, telosItems, memories: memories.length };
}

/** Puts the block into a file's text: replaces pai's block, or appends it; the rest stays byte for byte. */
export function mergeBlock(existing: string | undefined, block: string, display = "the file"): string {
  if (existing === undefined || existing === "") return `${block}\n`;
  const crlf = existing.includes("\r\n");
  const b = crlf ? block.replace(/\n/g, "\r\n") : block;
  const eol = crlf ? "\r\n" : "\n";
  const begins = countOf(existing, BEGIN);
  const ends = countOf(existing, END);
  if (begins === 0 && ends === 0) {
    const sep = existing.endsWith(eol) ? eol : `${eol}${eol}`;
    return `${existing}${sep}${b}${eol}`;
  }
  const start = existing.indexOf(BEGIN);
  const stop = existing.indexOf(END, start + BEGIN.length);
  if (begins !== 1 || ends !== 1 || start < 0 || stop < 0) {
    throw new UserError(`${display} has unbalanced pai markers (${begins} '${BEGIN}', ${ends} '${END}'); nothing was changed`, {
      hint: `leave exactly one ${BEGIN} … ${END} pair (or none) in the file, then export again`,
    });
  }
  return existing.slice(0, start) + b + existing.slice(stop + END.length);
}

function countOf(s: string, needle: string): number {
  let n = 0;
  for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length)) n++;
  return n;
}

export interface ExportFileResult {
  path: string;
  action: "created" | "updated" | "unchanged";
}

export interface ExportResult {
  dir: string;
  flavour: Flavour;
  includePrivate: boolean;
  telosItems: number;
  memories: number;
  dryRun: boolean;
  files: ExportFileResult[];
  /** The block written (or, on a dry run, that would be written), markers included. */
  block: string;
  /** The root of the git repository the folder is in, if it is in one (the file may then be committed). */
  gitRepository?: string;
}

export interface ExportOptions {
  to?: string;
  flavour?: string;
  includePrivate?: boolean;
  dryRun?: boolean;
  paths: Paths;
  config: Config;
  /** The user's database, when there is one (the export reads the chosen memories from it, and creates none). */
  db?: Database;
}

interface Target {
  /** The real file to replace (no link in its path), inside the export folder. */
  file: string;
  exists: boolean;
  mode: number;
}

function refuse(display: string, dir: string, why: string): UserError {
  return new UserError(`${display} in ${dir} ${why}; nothing was written`, {
    hint: `replace ${display} with a regular file (or remove it), then export again`,
  });
}

/** Where a context file's text really goes; refuses a link that leads outside the folder, nowhere, or to a non-file. */
function resolveTarget(root: string, name: string, path: string): Target {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return { file: join(root, name), exists: false, mode: 0o644 };
  }
  if (st.isFile()) return { file: join(root, name), exists: true, mode: st.mode & 0o777 };
  if (!st.isSymbolicLink()) return fail(refuse(name, root, "is not a regular file"));
  const link = readlinkSync(path);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return fail(refuse(name, root, `is a link to ${link}, which does not exist`));
  }
  const rel = relative(root, real);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    return fail(refuse(name, root, `is a link to ${real}, outside that folder`));
  }
  const target = statSync(real);
  if (!target.isFile()) return fail(refuse(name, root, `is a link to ${real}, which is not a regular file`));
  return { file: real, exists: true, mode: target.mode & 0o777 };
}

function fail(err: Error): never {
  throw err;
}

/** Reads a file that must not be a link (the target was resolved already). */
function readRegular(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` atomically: a new temporary file (never an existing one, never through a link) in the same
 * folder, then a rename over it, which replaces whatever is at that name (a link included) without following it.
 */
function writeBeside(root: string, file: string, text: string, mode: number): void {
  const folder = dirname(file);
  const tmp = join(folder, `.${basename(file)}.pai-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, Buffer.from(text, "utf8"));
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  // The folder must still be where it was checked to be (no link swapped in on the way).
  if (realpathSync(folder) !== folder) {
    rmSync(tmp, { force: true });
    throw refuse(basename(file), root, "moved outside the folder while exporting");
  }
  renameSync(tmp, file);
}

export function parseFlavour(s: string | undefined): Flavour {
  const f = s ?? "agents";
  if ((FLAVOURS as readonly string[]).includes(f)) return f as Flavour;
  throw new UserError(`unknown flavour '${f}'`, { hint: `choose one of: ${FLAVOURS.join(", ")}` });
}

export async function exportAgents(opts: ExportOptions): Promise<ExportResult> {
  const flavour = parseFlavour(opts.flavour);
  const dir = resolve(opts.to ?? process.cwd());
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`no folder ${dir}`, { hint: "give --to an existing folder (the root of the project the agent works in)" });
  }
  const { config } = opts;
  const telos = loadTelos(opts.paths);
  const includePrivate = !!opts.includePrivate;
  const memories: MemoryItem[] = opts.db ? openMemory(opts.db, config).forAgents({ audience: includePrivate ? "local" : "cloud" }) : [];

  // The name is private when the user keeps it from cloud models (context.shareName false).
  const name = config.user.name && (includePrivate || config.context.shareName) ? config.user.name : undefined;
  const block = renderBlock({ name, telos, memories, includePrivate });
  const names = flavour === "both" ? [FILE_OF.agents, FILE_OF.claude] : [FILE_OF[flavour]];
  // Every file is checked before any is written: each must be (or resolve to) a regular file inside the folder.
  const root = realpathSync(dir);
  const plans = names.map((name) => {
    const path = join(dir, name);
    const target = resolveTarget(root, name, path);
    const before = target.exists ? readRegular(target.file) : undefined;
    const after = mergeBlock(before, block.text, name);
    const action: ExportFileResult["action"] = before === undefined ? "created" : before === after ? "unchanged" : "updated";
    return { path, target, before, after, action };
  });
  if (!opts.dryRun) {
    for (const plan of plans) {
      if (plan.action === "unchanged") continue;
      // A link inside the folder (CLAUDE.md -> AGENTS.md is common) stays a link: its target file is replaced.
      writeBeside(root, plan.target.file, plan.after, plan.target.mode);
    }
  }
  return {
    dir,
    flavour,
    includePrivate,
    telosItems: block.telosItems,
    memories: block.memories,
    dryRun: !!opts.dryRun,
    files: plans.map(({ path, action }) => ({ path, action })),
    block: block.text,
    gitRepository: gitRoot(root),
  };
}

/** The folder holding `.git` (a folder, or a file in a worktree or submodule) at or above `dir`, if any. */
export function gitRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}
