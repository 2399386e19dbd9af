/**
 * A job whose model call a cap refused (user/limits.json, see src/models/limits.ts) is paused: its file is
 * set `"enabled": false`, as `pai jobs disable` does, so the daemon stops firing it until the user raises the
 * cap or the day or month turns and runs `pai jobs enable NAME`. The audit trail records why.
 */
import { appendAudit } from "../audit/index.ts";
import { refusedSince } from "../../models/calllog.ts";
import type { FireContext } from "./fire.ts";
import type { Job } from "./schema.ts";
import { setEnabled } from "./store.ts";

/** Pauses the job when one of its calls was refused by a cap since `since`; returns the refusal, if any. */
export function pauseIfCapped(ctx: FireContext, job: Job, firingId: number, since: Date): string | undefined {
  let refusal: string | undefined;
  try {
    refusal = refusedSince(ctx.db, job.name, since);
  } catch {
    return undefined;
  }
  if (!refusal) return undefined;
  let paused = true;
  try {
    setEnabled(ctx.paths, job.name, false);
  } catch (err) {
    paused = false;
    ctx.log?.(`${job.name}: could not pause the job: ${(err as Error).message}`);
  }
  appendAudit(ctx.db, ctx.secrets, {
    job: job.name,
    type: "job",
    data: { event: paused ? "disabled" : "disable_failed", firing: firingId, reason: "cap", cap: refusal.slice(0, 500) },
  });
  ctx.log?.(`${job.name}: paused (a model call was refused: ${refusal}); 'pai jobs enable ${job.name}' resumes it`);
  return refusal;
}
