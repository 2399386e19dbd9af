/**
 * `pai ask` hands a request to a pack when an installed pack's trigger matches it, exactly as `pai do`
 * would (code, then CLI, then prompt, then skill). Returns false when no pack matched, so ask answers plainly.
 */
import { existsSync, readdirSync } from "node:fs";
import { note, printJson } from "../cli/output.ts";
import { paths as getPaths } from "../kernel/paths.ts";

export async function routeToPack(
  question: string,
  opts: { backend?: string; model?: string; incognito?: boolean; json?: boolean },
): Promise<boolean> {
  const p = getPaths();
  // No installed pack: nothing to match, and no need to load the pack machinery.
  if (!existsSync(p.packs) || !readdirSync(p.packs).some((f) => f.endsWith(".lock.json"))) return false;
  const { matchRequest } = await import("../packs/index.ts");
  const { chosen } = matchRequest(question, p);
  if (!chosen) return false;
  note(`pai: handled by the ${chosen.pack}:${chosen.command} pack command (${chosen.tier} tier) — 'pai ask --no-packs' answers with the model instead`);
  const { dispatchFromCli, printDispatched } = await import("../cli/dispatch.ts");
  const { result: r, streamed } = await dispatchFromCli(question, {
    backend: opts.backend,
    model: opts.model,
    incognito: opts.incognito,
    origin: "ask",
    stream: !opts.json,
  });
  if (!opts.json) {
    printDispatched(r, streamed);
    return true;
  }
  if (r.result && !r.result.ok) throw r.result.error;
  printJson({
    answer: r.output ?? "",
    pack: chosen.pack,
    command: chosen.command,
    tier: chosen.tier,
    run_id: r.result?.runId ?? null,
    memory_id: r.result?.memoryId ?? null,
  });
  return true;
}
