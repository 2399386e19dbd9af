/**
 * `pai export agents`: a context file for coding agents (AGENTS.md, read by OpenCode, Codex, Gemini CLI and
 * others; CLAUDE.md, read by Claude Code) written from the Telos and hot memory.
 *
 * pai owns only the block between `<!-- pai:begin -->` and `<!-- pai:end -->`: a re-export replaces that
 * block and leaves every other byte of the file alone; a file without the markers gets the block appended.
 * Since these files are read by cloud agents (and often committed), only shareable Telos files and memories
 * go in unless the user asks for private ones too. The block holds no date, so an export with nothing new
 * leaves the file untouched.
 */
import { chmodSync, existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { UserError } from "../errors.ts";
import type { MemoryItem } from "../memory/index.ts";
import { redactSecrets } from "../memory/redact.ts";
import { paths as getPaths, type Paths } from "../paths.ts";
import type { Database } from "../storage/index.ts";
import { formatLinks, textLines, type Telos } from "../telos/index.ts";
import { writeFileAtomic } from "../util/fs.ts";

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
}

export interface ExportOptions {
  to?: string;
  flavour?: string;
  includePrivate?: boolean;
  dryRun?: boolean;
  paths?: Paths;
  config?: Config;
  db?: Database;
}

export function parseFlavour(s: string | undefined): Flavour {
  const f = s ?? "agents";
  if ((FLAVOURS as readonly string[]).includes(f)) return f as Flavour;
  throw new UserError(`unknown flavour '${f}'`, { hint: `choose one of: ${FLAVOURS.join(", ")}` });
}

export async function exportAgents(opts: ExportOptions = {}): Promise<ExportResult> {
  const flavour = parseFlavour(opts.flavour);
  const dir = resolve(opts.to ?? process.cwd());
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`no folder ${dir}`, { hint: "give --to an existing folder (the root of the project the agent works in)" });
  }
  const p = opts.paths ?? getPaths();
  const { loadConfig } = await import("../config/index.ts");
  const config = opts.config ?? loadConfig(p.config);
  const { loadTelos } = await import("../telos/index.ts");
  const telos = loadTelos(p);
  const includePrivate = !!opts.includePrivate;

  let memories: MemoryItem[] = [];
  let db = opts.db;
  let opened: Database | undefined;
  try {
    if (!db && existsSync(p.db)) {
      const { openDatabase } = await import("../storage/index.ts");
      db = opened = openDatabase(p.db);
    }
    if (db) {
      const { openMemory } = await import("../memory/index.ts");
      memories = openMemory(db, config).hot({ audience: includePrivate ? "local" : "cloud" });
    }
  } finally {
    opened?.close();
  }

  // The name is private when the user keeps it from cloud models (context.shareName false).
  const name = config.user.name && (includePrivate || config.context.shareName) ? config.user.name : undefined;
  const block = renderBlock({ name, telos, memories, includePrivate });
  const names = flavour === "both" ? [FILE_OF.agents, FILE_OF.claude] : [FILE_OF[flavour]];
  // Every file is checked before any is written.
  const plans = names.map((name) => {
    const path = join(dir, name);
    const before = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    const after = mergeBlock(before, block.text, name);
    const action: ExportFileResult["action"] = before === undefined ? "created" : before === after ? "unchanged" : "updated";
    return { path, before, after, action };
  });
  if (!opts.dryRun) {
    for (const plan of plans) {
      if (plan.action === "unchanged") continue;
      // Through a symlink (CLAUDE.md -> AGENTS.md is common), so the link stays a link.
      const target = plan.before === undefined ? plan.path : realpathSync(plan.path);
      const mode = plan.before === undefined ? 0o644 : statSync(target).mode & 0o777;
      writeFileAtomic(target, plan.after);
      chmodSync(target, mode);
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
  };
}
