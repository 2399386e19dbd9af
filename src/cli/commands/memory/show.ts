import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { itemJson, openMemory } from "../../../memory/index.ts";
import { formatDay, formatWhen, userZone } from "../../../kernel/when.ts";
import { examples, print, printJson, style, withJson } from "../../output.ts";
import { isIncognito, parseId } from "./shared.ts";

export function register(group: Command): void {
  const cmd = group
    .command("show")
    .argument("<id>", "the memory's id")
    .description("one memory with its provenance: source, tier history, what it replaced, what it came from and what came from it")
    .option("--incognito", "do not mark it as used");
  withJson(cmd);
  examples(cmd, ["pai memory show 42", "pai memory show mem:42 --json"]);
  cmd.action(async (idText: string, opts: { json?: boolean; incognito?: boolean }) => {
    const id = parseId(idText);
    await withHome((home) => {
      const incognito = isIncognito(opts.incognito, home);
      const store = openMemory(home.db, home.config);
      const h0 = store.history(id);
      // Showing an item to the user is using it: it warms (unless incognito).
      if (!incognito && h0.item.supersededBy === null) store.touch([id]);
      const h = incognito ? h0 : store.history(id);
      if (opts.json) {
        return printJson({
          ...itemJson(h.item),
          tier_history: h.tiers,
          supersedes_chain: h.supersedes.map(itemJson),
          superseded_by_chain: h.supersededBy.map(itemJson),
          derived_from_items: h.derivedFrom.map(itemJson),
          derived_items: h.derived.map(itemJson),
        });
      }
      const m = h.item;
      print(style.bold(`#${m.id}  ${m.kind}  ${m.tier}${m.pinned ? " (pinned)" : ""}${m.supersededBy !== null ? style.yellow(`  superseded by #${m.supersededBy}`) : ""}`));
      print(m.content);
      print("");
      print(`happened     ${formatWhen(m.createdAt)} (${userZone()})`);
      print(`recorded     ${formatWhen(m.recordedAt)}`);
      print(`last used    ${m.lastUsedAt ? formatWhen(m.lastUsedAt) : "never"} (${m.useCount} use${m.useCount === 1 ? "" : "s"})`);
      print(`source       ${m.source ?? "(none)"}`);
      print(`visibility   ${m.visibility}${m.visibility === "private" ? " (never sent to a cloud model)" : ""}`);
      print(`importance   ${m.importance}`);
      if (m.redacted) print(`redacted     ${String((m.meta.redactedKinds as string[] | undefined)?.join(", ") ?? "yes")}`);
      if (h.supersedes.length) {
        print("\nReplaces:");
        for (const o of h.supersedes) print(`  #${o.id}  ${formatDay(o.recordedAt)}  ${o.content}`);
      }
      if (h.supersededBy.length) {
        print("\nReplaced by:");
        for (const o of h.supersededBy) print(`  #${o.id}  ${formatDay(o.recordedAt)}  ${o.content}`);
      }
      if (h.derivedFrom.length || m.derivedFrom.length) {
        print("\nDerived from:");
        for (const o of h.derivedFrom) print(`  #${o.id}  ${formatDay(o.createdAt)}  ${o.content}`);
        const gone = m.derivedFrom.filter((d) => !h.derivedFrom.some((o) => o.id === d));
        if (gone.length) print(style.dim(`  (forgotten: ${gone.map((g) => `#${g}`).join(", ")})`));
      }
      if (h.derived.length) {
        print("\nWhat came from it:");
        for (const o of h.derived) print(`  #${o.id}  ${o.kind}  ${o.content}`);
      }
      print("\nTier history:");
      print(`  ${formatWhen(m.recordedAt)}  recorded`);
      for (const t of h.tiers) print(`  ${formatWhen(t.at)}  ${t.from} → ${t.to}`);
    });
  });
}
