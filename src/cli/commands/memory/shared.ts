/** What the memory commands share: reading their flags and ids, and the table of items. Nothing here opens anything. */
import type { Home, HomeOptions } from "../../../app/home.ts";
import { UsageError } from "../../../kernel/errors.ts";
import type { Visibility } from "../../../kernel/privacy.ts";
import { MEMORY_KINDS, MEMORY_TIERS, type MemoryItem, type MemoryKind, type MemoryTier } from "../../../memory/index.ts";
import { formatDay, inZone } from "../../../kernel/when.ts";
import { table } from "../../output.ts";

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

/** Commander's collector for an option given several times: `--kind fact --kind note`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The values of an option taken several times and/or comma-separated ("fact,note"), each checked; undefined when none. */
function parseMany<T extends string>(values: string[] | undefined, allowed: readonly string[], what: string): T[] | undefined {
  const all = (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  if (!all.length) return undefined;
  for (const v of all) {
    if (!allowed.includes(v)) throw new UsageError(`unknown ${what} '${v}'`, { hint: `use one or more of: ${allowed.join(", ")} (comma-separated or repeated)` });
  }
  return [...new Set(all)] as T[];
}

export function parseKinds(values: string[] | undefined): MemoryKind[] | undefined {
  return parseMany<MemoryKind>(values, MEMORY_KINDS, "kind");
}

export function parseVisibilities(values: string[] | undefined): Visibility[] | undefined {
  return parseMany<Visibility>(values, ["private", "shareable"], "visibility");
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

/**
 * The table of items: id, tier, kind, visibility, date, (score), content on one line. On a terminal the content
 * is cut to the width (the id, what 'pai memory show' takes, never is); piped, every line is whole.
 */
export function itemTable(items: (MemoryItem & { score?: number })[], withScore = false): string {
  const hints = ["key", undefined, undefined, undefined, undefined, ...(withScore ? [undefined] : []), "cut"] as const;
  return table(itemRows(items, withScore), { columns: [...hints] });
}

/** Table rows for a list of items: id, tier, kind, visibility, date, (score), content. */
export function itemRows(items: (MemoryItem & { score?: number })[], withScore = false): string[][] {
  const head = ["ID", "TIER", "KIND", "VISIBILITY", inZone("DATE"), ...(withScore ? ["SCORE"] : []), "CONTENT"];
  return [
    head,
    ...items.map((m) => [
      String(m.id),
      m.pinned ? `${m.tier}*` : m.tier,
      m.kind,
      m.visibility,
      formatDay(m.createdAt),
      ...(withScore ? [(m.score ?? 0).toFixed(3)] : []),
      m.content.replace(/\s+/g, " ").trim(),
    ]),
  ];
}
