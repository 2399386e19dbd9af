/**
 * `pai ask` hands a request to a pack when an installed pack's trigger matches it, exactly as `pai do`
 * would (code, then CLI, then prompt, then skill). Returns false when no pack matched, so ask answers plainly.
 */
import { existsSync, readdirSync } from "node:fs";
import { note, printJson } from "../cli/output.ts";
import { paths as getPaths } from "../paths.ts";

export async function routeToPack(
  question: string,
  opts: { backend?: string; model?: string; incognito?: boolean; json?: boolean },
): Promise<boolean> {
  const p = getPaths();
  // No installed pack: nothing to match, and no need to load the pack machinery.
  if (!existsSync(p.packs) || !readdirSync(p.packs).some((f) => f.endsWith(".lock.json"))) return false;
  const { matchRequest, dispatch } = await import("../packs/index.ts");
  const { chosen } = matchRequest(question, p);
  if (!chosen) return false;
  note(`pai: handled by the ${chosen.pack}:${chosen.command} pack command (${chosen.tier} tier) — 'pai ask --no-packs' answers with the model instead`);
  const ctrl = new AbortController();
  const onSigint = () => ctrl.abort();
  process.once("SIGINT", onSigint);
  let streamed = false;
  try {
    const r = await dispatch(question, {
      backend: opts.backend,
      model: opts.model,
      incognito: opts.incognito,
      signal: ctrl.signal,
      origin: "ask",
      onText: opts.json ? undefined : (t) => ((streamed = true), process.stdout.write(t)),
    });
    if (r.result && !r.result.ok) throw r.result.error;
    if (opts.json) {
      printJson({
        answer: r.output ?? "",
        pack: chosen.pack,
        command: chosen.command,
        tier: chosen.tier,
        run_id: r.result?.runId ?? null,
        memory_id: r.result?.memoryId ?? null,
      });
    } else if (streamed) process.stdout.write("\n");
    else if (r.output) process.stdout.write(`${r.output}\n`);
    return true;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
