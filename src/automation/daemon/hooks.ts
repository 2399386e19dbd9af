/**
 * Hooks declared by installed packs, as jobs named pack.<pack>.<command>.<event>: schedule and file.changed
 * hooks get their trigger, webhook hooks answer POST /hooks/pack.<pack>.<command>.webhook, daemon.start hooks
 * fire when the daemon starts and mail.received hooks whenever a mail job fires. They run with the permissions
 * the user granted the pack at install.
 */
import type { Config } from "../../config/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Job } from "../jobs/schema.ts";

export type HookEvent = "daemon.start" | "mail.received";

export async function packHookJobs(paths: Paths, config: Config, log: (line: string) => void): Promise<Job[]> {
  let hooks: import("../../packs/index.ts").InstalledHook[];
  try {
    const { packHooks } = await import("../../packs/index.ts");
    hooks = packHooks(paths, config);
  } catch (err) {
    log(`pack hooks not loaded: ${(err as Error).message}`);
    return [];
  }
  const out: Job[] = [];
  const base = (name: string, h: (typeof hooks)[number], trigger: Job["trigger"]): Job => ({
    name,
    file: `packs/${h.pack}`,
    enabled: true,
    description: h.description ?? `hook of the ${h.pack} pack (${h.event})`,
    trigger,
    action: { type: "pack", pack: h.pack, command: h.command, args: [] },
    policy: { requireApproval: false },
  });
  for (const h of hooks) {
    const short = { schedule: "schedule", "file.changed": "file", webhook: "webhook", "daemon.start": "start", "mail.received": "mail" }[h.event];
    const name = `pack.${h.pack}.${h.command}.${short}`;
    if (h.event === "schedule" && h.cron) out.push(base(name, h, { type: "schedule", cron: h.cron, catchUp: "skip", catchUpMax: 10 }));
    else if (h.event === "file.changed")
      (h.paths ?? []).forEach((path, i) =>
        out.push(base(i ? `${name}.${i}` : name, h, { type: "file", path, debounceMs: 100, events: ["add", "change", "unlink"] })),
      );
    else if (h.event === "webhook") out.push(base(name, h, { type: "webhook" }));
    else if (h.event === "daemon.start" || h.event === "mail.received") out.push({ ...base(name, h, { type: "manual" }), description: h.event });
  }
  return out;
}

/** The hook jobs that fire on an event. */
export function hooksFor(jobs: Iterable<Job>, event: HookEvent): Job[] {
  return [...jobs].filter((job) => job.description === event && job.trigger.type === "manual" && job.name.startsWith("pack."));
}
