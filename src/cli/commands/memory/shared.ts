/** What the memory commands share: reading their flags and ids, and the table of items. Nothing here opens anything. */
import type { Home, HomeOptions } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { MEMORY_KINDS, MEMORY_TIERS, type MemoryItem, type MemoryKind, type MemoryTier } from "../../../memory/index.ts";
import { terminalColumns } from "../../output.ts";

/** True when nothing may be stored: the --incognito flag, or memory.incognito in the config (read only without the flag). */
export function isIncognito(flag: boolean | undefined, home: Pick<Home, "config">): boolean {
  return !!flag || home.config.memory.incognito;
}

/** The home a command that may store something opens: with --incognito nothing is stored, so no user/ is needed. */
export function homeFor(flag: boolean | undefined): HomeOptions {
  return { user: !flag };
}

export function parseKind(kind: string | undefined): MemoryKind | undefined {
  if (kind === undefined) return undefined;
  if (!(MEMORY_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`unknown kind '${kind}'`, { hint: `use one of: ${MEMORY_KINDS.join(", ")}` });
  }
  return kind as MemoryKind;
}

export function parseTier(tier: string | undefined): MemoryTier | undefined {
  if (tier === undefined) return undefined;
  if (!(MEMORY_TIERS as readonly string[]).includes(tier)) throw new UsageError(`unknown tier '${tier}'`, { hint: "use hot, warm or cold" });
  return tier as MemoryTier;
}

export function parseLimit(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --limit '${text}'`, { hint: "give a positive whole number" });
  return n;
}

export function parseId(text: string): number {
  const n = Number(String(text).replace(/^(mem:|#)/, ""));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid memory id '${text}'`, { hint: "ids are positive numbers, as shown by 'pai memory list'" });
  return n;
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Table rows for a list of items: id, tier, kind, date, (score), content. */
export function itemRows(items: (MemoryItem & { score?: number })[], withScore = false): string[][] {
  const width = Math.max(40, (terminalColumns() || 120) - 40);
  const head = ["ID", "TIER", "KIND", "DATE", ...(withScore ? ["SCORE"] : []), "CONTENT"];
  return [
    head,
    ...items.map((m) => [
      String(m.id),
      m.pinned ? `${m.tier}*` : m.tier,
      m.kind,
      m.createdAt.slice(0, 10),
      ...(withScore ? [(m.score ?? 0).toFixed(3)] : []),
      oneLine(m.content, width),
    ]),
  ];
}
