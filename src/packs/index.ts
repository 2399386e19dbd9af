/**
 * Packs: folders with a manifest whose commands run at one of four tiers (code, cli, prompt, skill), within
 * the permissions they declared and the user granted. This is the public surface other concerns import.
 *
 * State: installed packs live in user/packs/<name>/ with their state (source, pinned commit, grants, file
 * hashes) in user/packs/<name>.lock.json; every run is recorded in the database table pack_runs.
 */
import type { Config } from "../config/index.ts";
import type { Paths } from "../kernel/paths.ts";
import { expandPath } from "./grants.ts";
import type { HookEvent } from "./manifest/index.ts";
import { listInstalled, packSettings } from "./store.ts";
import { configKeyOf } from "./template.ts";

export {
  loadManifest,
  ManifestError,
  TIERS,
  HOOK_EVENTS,
  PERMISSION_KINDS,
  type PackManifest,
  type PackCommand,
  type PackHook,
  type Permissions,
  type PackTier,
  type ManifestProblem,
  type HookEvent,
} from "./manifest/index.ts";
export { listInstalled, listAvailable, verifyPack, getInstalled, packSettings, type InstalledPack, type AvailablePack, type VerifyResult, type PackLock } from "./store.ts";
export { installPack, uninstallPack, updatePack, type InstallOptions, type PackInstallResult, type UpdateResult, type PermissionSummary } from "./install.ts";
export { runPackCommand, parseRef, type PackRunResult, type RunOptions, type RunInput } from "./run.ts";
export { dispatch, matchRequest, type AnswerOptions, type DispatchResult, type DispatchOptions, type TierAttempt, type TriggerMatch } from "./dispatch.ts";
export { describePermissions, PermissionError } from "./permissions.ts";
export type { PackContext } from "./types.ts";

export interface InstalledHook {
  pack: string;
  command: string;
  event: HookEvent;
  cron?: string;
  /** For file.changed: the watched paths, expanded (~, $PAI_HOME, {{config.KEY}}). */
  paths?: string[];
  description?: string;
}

/** Every hook declared by an installed pack (validated with the manifest); the daemon subscribes to them. */
export function packHooks(p: Paths, config: Config): InstalledHook[] {
  const out: InstalledHook[] = [];
  for (const pack of listInstalled(p)) {
    const m = pack.manifest;
    if (!m) continue;
    for (const h of m.hooks) {
      let watched: string[] | undefined;
      if (h.paths) {
        const settings = packSettings(m, config.packs.settings as Record<string, Record<string, unknown>>);
        watched = h.paths.flatMap((entry) => {
          const key = configKeyOf(entry);
          if (key === undefined) return [expandPath(entry, { home: p.home, packDir: m.dir })];
          const v = settings[key];
          return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => expandPath(String(x), { home: p.home, packDir: m.dir }));
        });
      }
      out.push({ pack: m.name, command: h.command, event: h.event, cron: h.cron, paths: watched, description: h.description });
    }
  }
  return out;
}
