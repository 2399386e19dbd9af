/** The work behind `pai telos list|show|check`: plain functions returning data with a stable shape. */
import { relative } from "node:path";
import { UserError } from "../kernel/errors.ts";
import type { Paths } from "../kernel/paths.ts";
import type { Visibility } from "../kernel/privacy.ts";
import {
  TELOS_NAMES,
  formatLinks,
  linkedFrom,
  loadTelos,
  resolveTelosName,
  textLines,
  type Telos,
  type TelosDoc,
  type TelosItem,
  type TelosLink,
  type TelosProblem,
} from "./index.ts";
import { telosFileCount, telosItemCounts, telosItemsText } from "./counts.ts";

export interface ListedFile {
  name: string;
  file: string;
  title: string;
  exists: boolean;
  /** Items in the file (active and inactive). */
  items: number;
  /** Of those, the active ones and the inactive ones (telos/counts.ts). */
  active: number;
  inactive: number;
  updated: string | null;
  /** The file's modification time (ISO 8601), or null when missing. */
  edited: string | null;
  visibility: Visibility;
}

export interface ListResult {
  files: ListedFile[];
  problems: { errors: number; warnings: number };
}

const rel = (p: Paths, abs: string) => relative(p.home, abs).split("\\").join("/");

function counts(problems: TelosProblem[]) {
  let errors = 0;
  let warnings = 0;
  for (const pr of problems) pr.severity === "error" ? errors++ : warnings++;
  return { errors, warnings };
}

export function listTelos(p: Paths): ListResult {
  const telos = loadTelos(p);
  return {
    files: telos.docs.map((d) => ({
      name: d.name,
      file: rel(p, d.path),
      title: d.title,
      exists: d.mtimeMs > 0,
      items: d.name === "preferences" ? textLines(d).length : d.items.length,
      active: d.name === "preferences" ? textLines(d).length : telosItemCounts([d]).active,
      inactive: telosItemCounts([d]).inactive,
      updated: d.updated ?? null,
      edited: d.mtimeMs > 0 ? new Date(d.mtimeMs).toISOString() : null,
      visibility: d.visibility,
    })),
    problems: counts(telos.problems),
  };
}

export interface ItemView {
  id: string;
  text: string;
  links: TelosLink[];
  file: string;
  line: number;
  section: string | null;
  active: boolean;
  visibility: Visibility;
}

export interface DocView {
  name: string;
  file: string;
  exists: boolean;
  title: string;
  updated: string | null;
  visibility: Visibility;
  items: ItemView[];
  /** Free-text lines (preferences.md). */
  lines: string[];
}

export type ShowResult =
  | { kind: "all" | "file"; files: DocView[] }
  | {
      kind: "item";
      item: ItemView;
      linksTo: { rel: string; id: string; text: string | null; file: string | null }[];
      linkedFrom: { rel: string; id: string; text: string; file: string }[];
    };

function itemView(i: TelosItem): ItemView {
  return { id: i.id, text: i.text, links: i.links, file: i.file, line: i.line, section: i.section ?? null, active: i.active, visibility: i.visibility };
}

function docView(p: Paths, d: TelosDoc): DocView {
  return {
    name: d.name,
    file: rel(p, d.path),
    exists: d.mtimeMs > 0,
    title: d.title,
    updated: d.updated ?? null,
    visibility: d.visibility,
    items: d.items.map(itemView),
    lines: d.name === "preferences" ? textLines(d) : [],
  };
}

const ID = /^(MO|[MGPBSNLCI])\d+$/i;

export function showTelos(target: string | undefined, p: Paths, telos: Telos = loadTelos(p)): ShowResult {
  if (target === undefined || target.trim() === "") return { kind: "all", files: telos.docs.map((d) => docView(p, d)) };
  const name = resolveTelosName(target);
  if (name) return { kind: "file", files: [docView(p, telos.docs.find((d) => d.name === name)!)] };
  if (ID.test(target.trim())) {
    const id = target.trim().toUpperCase();
    const item = telos.items.get(id);
    if (!item) {
      throw new UserError(`no Telos item ${id}`, { hint: "'pai telos show' lists every item; 'pai telos list' shows the files" });
    }
    return {
      kind: "item",
      item: itemView(item),
      linksTo: item.links.flatMap((l) =>
        l.ids.map((tid) => {
          const t = telos.items.get(tid);
          return { rel: l.rel, id: tid, text: t?.text ?? null, file: t?.file ?? null };
        }),
      ),
      linkedFrom: linkedFrom(telos, id).map(({ item: from, rel: r }) => ({ rel: r, id: from.id, text: from.text, file: from.file })),
    };
  }
  throw new UserError(`no Telos file or item '${target}'`, {
    hint: `give a file (${TELOS_NAMES.join(", ")}) or an item ID such as G1`,
  });
}

function itemLine(i: ItemView): string {
  const links = formatLinks(i.links);
  return `${i.id}: ${i.text}${links ? ` ${links}` : ""}`;
}

/** Human rendering of `pai telos show`. */
export function renderShow(r: ShowResult): string {
  if (r.kind === "item") {
    const out = [itemLine(r.item), `  ${r.item.file}:${r.item.line}${r.item.section ? ` · ${r.item.section}` : ""} · ${r.item.visibility}${r.item.active ? "" : " · inactive"}`];
    out.push("", "Links to:");
    if (r.linksTo.length === 0) out.push("  (nothing)");
    for (const l of r.linksTo) out.push(`  ${l.rel} ${l.id}: ${l.text ?? "(missing: no item with this ID)"}`);
    out.push("", "Linked from:");
    if (r.linkedFrom.length === 0) out.push("  (nothing)");
    for (const l of r.linkedFrom) out.push(`  ${l.id} ${l.rel}: ${l.text}`);
    return out.join("\n");
  }
  const blocks = r.files.map((d) => {
    const head = `# ${d.title}  (${d.file} · ${d.visibility}${d.updated ? ` · updated ${d.updated}` : ""})`;
    const out = [head];
    let section: string | null | undefined;
    for (const i of d.items) {
      if (i.section !== section && i.section && i.section !== d.title) out.push(`  ## ${i.section}${i.active ? "" : " (inactive)"}`);
      section = i.section;
      out.push(`  ${itemLine(i)}`);
    }
    for (const l of d.lines) out.push(`  - ${l}`);
    if (!d.exists) out.push(`  (missing: 'pai init' adds it, 'pai telos edit ${d.name}' creates it)`);
    else if (d.items.length === 0 && d.lines.length === 0) out.push("  (no items yet)");
    return out.join("\n");
  });
  return blocks.join("\n\n");
}

export interface CheckReport {
  ok: boolean;
  errors: number;
  warnings: number;
  files: number;
  items: number;
  problems: TelosProblem[];
  summary: string;
}

export function checkReport(p: Paths, only?: string): CheckReport {
  const telos = loadTelos(p);
  const problems = only ? telos.problems.filter((pr) => pr.file === only) : telos.problems;
  const { errors, warnings } = counts(problems);
  const files = telosFileCount(telos.docs);
  const counted = telosItemCounts(telos.docs);
  const items = counted.items;
  const scope = only ?? `${files} files, ${telosItemsText(counted)}`;
  const summary =
    errors + warnings === 0
      ? `ok: ${scope}, no problems`
      : `${errors} error(s), ${warnings} warning(s) in ${scope}`;
  return { ok: errors === 0, errors, warnings, files, items, problems, summary };
}
