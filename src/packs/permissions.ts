/**
 * Permissions at run time. A command gets what it declared AND the user granted (and, for the daemon, what
 * the job's policy allows). Entries are expanded (~, $PAI_HOME, $PACK, {{config.KEY}}) and enforced where pai
 * can enforce them: the fetch a code command is handed checks hosts, the files API checks paths, the exec API
 * and the cli tier check executables; secrets are handed only to the commands that declared them.
 */
import { constants, openSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../kernel/errors.ts";
import { expandPath, normalizeGrant, pathWithin, realish } from "./grants.ts";
import type { Permissions } from "./manifest/index.ts";
import { configKeyOf } from "./template.ts";

export type { Permissions } from "./manifest/index.ts";

export class PermissionError extends UserError {
  constructor(message: string, hint: string, data?: Record<string, unknown>) {
    super(message, { hint, data });
  }
}

export const EMPTY_PERMISSIONS: Permissions = { network: [], read: [], write: [], env: [], exec: [] };

export interface ExpandContext {
  home: string;
  packDir: string;
  settings: Record<string, unknown>;
}

/** Expands ~, $PAI_HOME, $PACK and {{config.KEY}} (arrays give several entries). */
export function expandEntry(entry: string, ctx: ExpandContext, kind: "path" | "host"): string[] {
  const key = configKeyOf(entry);
  if (key !== undefined) {
    const v = ctx.settings[key];
    const list = Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === "" ? [] : [String(v)];
    return list.flatMap((x) => (kind === "host" ? [hostOf(x)] : [expandPath(x, ctx)])).filter(Boolean);
  }
  return [kind === "host" ? entry.toLowerCase() : expandPath(entry, ctx)];
}

/** A URL or host entry reduced to host[:port] (lower case). */
export function hostOf(v: string): string {
  if (/^[a-z]+:\/\//i.test(v)) {
    try {
      return new URL(v).host.toLowerCase();
    } catch {
      return "";
    }
  }
  return v.toLowerCase();
}

/** Expands every entry of a permission set. */
export function expandPermissions(p: Permissions, ctx: ExpandContext): Permissions {
  return {
    network: p.network.flatMap((e) => expandEntry(e, ctx, "host")),
    read: p.read.flatMap((e) => expandEntry(e, ctx, "path")),
    write: p.write.flatMap((e) => expandEntry(e, ctx, "path")),
    env: [...p.env],
    exec: [...p.exec],
  };
}

/** Human lines for a permission set; with a context, {{config.KEY}} entries show their current value. */
export function describePermissions(perms: Permissions, ctx?: { home: string; packDir: string; settings: Record<string, unknown> }): string[] {
  const show = (entries: string[], kind: "host" | "path") =>
    entries
      .map((e) => {
        const key = configKeyOf(e);
        if (!ctx) return e;
        const values = expandEntry(e, ctx, kind);
        if (key) return `${values.length ? values.join(", ") : "(nothing yet)"} (setting ${key})`;
        // Paths are shown resolved, as they will be enforced.
        return kind === "path" && values[0] !== e ? `${values[0]} (as written: ${e})` : e;
      })
      .join(", ");
  const out: string[] = [];
  if (perms.network.length) out.push(`network: ${show(perms.network, "host")}`);
  if (perms.read.length) out.push(`read: ${show(perms.read, "path")}`);
  if (perms.write.length) out.push(`write: ${show(perms.write, "path")}`);
  if (perms.env.length) out.push(`secrets: ${perms.env.join(", ")}`);
  if (perms.exec.length) out.push(`run: ${perms.exec.join(", ")}`);
  return out;
}

/** What was declared, limited to what was granted (both as written in the manifest). */
export function intersect(declared: Permissions, granted: Permissions): Permissions {
  const keep = (a: string[], b: string[]) => a.filter((x) => b.includes(x));
  // Paths are compared in their normal form (a lock written before grants were normalised still matches).
  const keepPaths = (a: string[], b: string[]) => {
    const granted = new Set(b.map(normalizeGrant));
    return a.filter((x) => granted.has(normalizeGrant(x)));
  };
  return {
    network: keep(declared.network, granted.network),
    read: keepPaths(declared.read, granted.read),
    write: keepPaths(declared.write, granted.write),
    env: keep(declared.env, granted.env),
    exec: keep(declared.exec, granted.exec),
  };
}

/**
 * Further limits expanded permissions by a policy (the daemon's job grants), itself expanded: the result is
 * the overlap of the two, e.g. '*' narrowed by ["en.wikipedia.org"] gives ["en.wikipedia.org"], and "~"
 * narrowed by ["~/notes"] gives ["~/notes"].
 */
export function restrict(effective: Permissions, policy: Permissions): Permissions {
  const hosts = new Set<string>();
  for (const e of effective.network) {
    if (policy.network.some((g) => g === e || g === "*" || (!e.startsWith("*") && hostAllowed(e, [g])))) hosts.add(e);
    else for (const g of policy.network) if (g !== "*" && hostAllowed(g.replace(/^\*\./, "x."), [e])) hosts.add(g);
  }
  const paths = (eff: string[], pol: string[]) => {
    const out = new Set<string>();
    for (const e of eff) {
      if (pathWithin(e, pol)) out.add(e);
      else for (const g of pol) if (pathWithin(g, [e])) out.add(g);
    }
    return [...out];
  };
  return {
    network: [...hosts],
    read: paths(effective.read, policy.read),
    write: paths(effective.write, policy.write),
    env: effective.env.filter((e) => policy.env.includes(e)),
    exec: effective.exec.filter((e) => policy.exec.includes(e)),
  };
}

/** Does host[:port] match one of the grants (example.com, *.example.com, 127.0.0.1:8080, *)? */
export function hostAllowed(hostPort: string, grants: string[]): boolean {
  const hp = hostPort.toLowerCase();
  const host = hp.startsWith("[") ? hp.slice(0, hp.indexOf("]") + 1) : hp.split(":")[0]!;
  for (const g of grants) {
    if (g === "*") return true;
    if (g === hp || g === host) return true;
    if (g.startsWith("*.")) {
      const suffix = g.slice(1);
      const gHost = suffix.split(":")[0]!;
      if (host.endsWith(gHost) && (!suffix.includes(":") || hp.endsWith(suffix.slice(suffix.indexOf(":"))))) return true;
    }
  }
  return false;
}

export interface Guard {
  pack: string;
  command: string;
  perms: Permissions;
}

/** How messages name the command a guard belongs to: pack:command. */
export function who(g: Guard): string {
  return `${g.pack}:${g.command}`;
}

export function checkRead(g: Guard, p: string): string {
  const full = resolve(p);
  if (!pathWithin(full, [...g.perms.read, ...g.perms.write])) {
    throw new PermissionError(
      `${who(g)} may not read ${full}: it is outside the paths it was granted`,
      g.perms.read.length ? `granted: ${g.perms.read.join(", ")}` : "the command declares no readable paths",
      { path: full },
    );
  }
  return full;
}

export function checkWrite(g: Guard, p: string): string {
  const full = resolve(p);
  if (!pathWithin(full, g.perms.write)) {
    throw new PermissionError(
      `${who(g)} may not write ${full}: it is outside the paths it was granted`,
      g.perms.write.length ? `writable: ${g.perms.write.join(", ")}` : "the command declares no writable paths",
      { path: full },
    );
  }
  return full;
}

/**
 * For the files API: the path checked for reading, with every symbolic link resolved (the last component and
 * dangling links included). The operation then acts on this path, opening its last component without
 * following a link (openNoFollow), so a link planted after the check is refused rather than followed.
 */
export function resolveRead(g: Guard, p: string): string {
  return realish(checkRead(g, p));
}

/** As resolveRead, for writing. */
export function resolveWrite(g: Guard, p: string): string {
  return realish(checkWrite(g, p));
}

/** Opens a checked, resolved path without following a link in its last component (O_NOFOLLOW). */
export function openNoFollow(g: Guard, file: string, flags: number, mode = 0o666): number {
  try {
    return openSync(file, flags | (constants.O_NOFOLLOW ?? 0), mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") {
      throw new PermissionError(`${who(g)} may not use ${file}: it became a symbolic link after it was checked`, "run the command again", { path: file });
    }
    throw err;
  }
}

export function checkHost(g: Guard, url: string | URL): URL {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw new PermissionError(`${who(g)} asked for an invalid URL '${String(url)}'`, "give a full URL such as https://example.com/");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new PermissionError(`${who(g)} may not fetch ${u.protocol} URLs`, "only http and https are allowed");
  }
  if (!hostAllowed(u.host, g.perms.network)) {
    throw new PermissionError(
      `${who(g)} may not reach ${u.host}: the host is not among those it declared and was granted`,
      g.perms.network.length ? `allowed hosts: ${g.perms.network.join(", ")}` : "the command declares no network access",
      { host: u.host },
    );
  }
  return u;
}

/** The values of the declared secrets that are set (for redaction). */
export function secretValues(perms: Permissions): string[] {
  return perms.env.map((k) => process.env[k]).filter((v): v is string => typeof v === "string" && v.length >= 4);
}

