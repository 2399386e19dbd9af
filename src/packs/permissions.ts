/**
 * Permissions at run time. A command gets what it declared AND the user granted (and, for the daemon, what
 * the job's policy allows). Entries are expanded (~, $PAI_HOME, $PACK, {{config.KEY}}) and enforced where pai
 * can enforce them: the fetch a code command is handed checks hosts, the files API checks paths, the exec API
 * and the cli tier check executables; secrets are handed only to the commands that declared them.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, lstatSync, openSync, readlinkSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import type { Permissions } from "./manifest.ts";

export type { Permissions } from "./manifest.ts";

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
  const tmpl = /^\{\{\s*config\.([A-Za-z0-9_.-]+)\s*\}\}$/.exec(entry);
  if (tmpl) {
    const v = ctx.settings[tmpl[1]!];
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

const GRANT_PREFIX = /^(~|\$HOME|\$\{HOME\}|\$PAI_HOME|\$\{PAI_HOME\}|\$PACK|\$\{PACK\})(?=\/|$)/;

interface SplitGrant {
  /** "~" (also $HOME), "$PAI_HOME", "$PACK", "/" for an absolute path, "" for a relative one. */
  prefix: "~" | "$PAI_HOME" | "$PACK" | "/" | "";
  /** The segments after the prefix: no empty or "." segment, ".." applied (a leading ".." stays only for ~). */
  segments: string[];
  /** The first segments climb above the prefix's folder with "..". */
  climbs: boolean;
}

function splitGrant(written: string): SplitGrant {
  const m = GRANT_PREFIX.exec(written);
  const prefix: SplitGrant["prefix"] = m
    ? m[1]!.includes("PAI_HOME")
      ? "$PAI_HOME"
      : m[1]!.includes("PACK")
        ? "$PACK"
        : "~"
    : isAbsolute(written)
      ? "/"
      : "";
  const rest = m ? written.slice(m[0].length) : written;
  const segments: string[] = [];
  let climbs = false;
  for (const seg of rest.split(/[\\/]+/)) {
    if (seg === "" || seg === ".") continue;
    if (seg !== "..") segments.push(seg);
    else if (segments.length && segments[segments.length - 1] !== "..") segments.pop();
    else {
      climbs = true;
      if (prefix !== "/") segments.push(".."); // above / is / itself
    }
  }
  return { prefix, segments, climbs };
}

/**
 * A path grant in its normal form, as recorded at install and compared at run time: `//` and `.` segments
 * dropped, `..` applied, `${PACK}` written `$PACK`, a trailing `/` dropped. A `..` that climbs out of `$PACK` or
 * `$PAI_HOME` is refused (see expandPath); a {{config.KEY}} entry is kept as written.
 */
export function normalizeGrant(entry: string): string {
  const written = entry.trim();
  if (/^\{\{.*\}\}$/.test(written)) return written;
  const g = splitGrant(written);
  if (g.climbs && (g.prefix === "$PACK" || g.prefix === "$PAI_HOME" || g.prefix === "")) return written; // refused when expanded
  const tail = g.segments.join("/");
  if (g.prefix === "/") return `/${tail}`;
  if (g.prefix === "") return tail || ".";
  return tail ? `${g.prefix}/${tail}` : g.prefix;
}

/**
 * A path entry made absolute. `~` (or `$HOME`), `$PAI_HOME` and `$PACK` are expanded; `//`, `.` and `..` are
 * applied. A path written relative to the pack or to PAI_HOME may not climb above it with `..` at any point
 * (`$PACK/../../.ssh`, `$PAI_HOME/..`): a grant outside them must be written as an absolute or `~` path, so
 * that what the user consents to is what the manifest says.
 */
export function expandPath(p: string, ctx: { home: string; packDir?: string }): string {
  const written = p.trim();
  const g = splitGrant(written);
  let base: string;
  if (g.prefix === "~") base = process.env.HOME || homedir();
  else if (g.prefix === "$PAI_HOME") base = resolve(ctx.home);
  else if (g.prefix === "$PACK") {
    if (!ctx.packDir) throw new UserError(`the path '${written}' names $PACK, which means nothing here`, { hint: "give an absolute or ~ path" });
    base = resolve(ctx.packDir);
  } else if (g.prefix === "/") return resolve("/", ...g.segments);
  else {
    if (written.startsWith("$")) {
      throw new UserError(`the path '${written}' starts with a variable pai does not expand`, { hint: "use ~, $HOME, $PAI_HOME or $PACK followed by /, or an absolute path" });
    }
    if (g.climbs || written.split(/[\\/]/).includes("..")) {
      throw new UserError(`the path grant '${written}' climbs with '..'`, { hint: "write a path outside the pack's folder as an absolute or ~ path" });
    }
    return resolve(written);
  }
  const full = resolve(base, ...g.segments);
  if (g.climbs && g.prefix !== "~") {
    throw new UserError(`the path grant '${written}' climbs out of ${base} to ${full}`, {
      hint: "a pack may name a path outside its own folder or PAI_HOME only as an absolute or ~ path",
    });
  }
  return full;
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

/**
 * The real path of p: symbolic links are resolved in every component, the last one included, and a dangling
 * link is followed to where it points (so writing through it cannot land outside a grant); a part that does
 * not exist yet is kept as written below its nearest existing ancestor.
 */
export function realish(p: string, depth = 0): string {
  let cur = resolve(p);
  const rest: string[] = [];
  let st: ReturnType<typeof lstatSync> | undefined;
  for (;;) {
    try {
      st = lstatSync(cur);
      break;
    } catch {
      const parent = dirname(cur);
      if (parent === cur) break;
      rest.unshift(cur.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      cur = parent;
    }
  }
  let real = cur;
  try {
    real = realpathSync(cur);
  } catch {
    if (st?.isSymbolicLink()) {
      // A dangling link: where it would lead once something is created there.
      if (depth > 40) throw new UserError(`${p}: too many levels of symbolic links`);
      real = realish(resolve(dirname(cur), readlinkSync(cur)), depth + 1);
    }
  }
  return rest.length ? join(real, ...rest) : real;
}

export function pathWithin(p: string, grants: string[]): boolean {
  const target = realish(p);
  return grants.some((g) => {
    const root = realish(g);
    return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

export interface Guard {
  pack: string;
  command: string;
  perms: Permissions;
}

function who(g: Guard): string {
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

/** Finds an executable on PATH (or an absolute / ./pack-relative one). */
export function whichExecutable(name: string, packDir?: string, envPath = process.env.PATH ?? ""): string | undefined {
  const ok = (f: string) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.startsWith("./")) {
    const f = packDir ? resolve(packDir, name) : undefined;
    return f && ok(f) ? f : undefined;
  }
  if (isAbsolute(name)) return ok(name) ? name : undefined;
  for (const dir of envPath.split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, name);
    if (ok(f)) return f;
  }
  return undefined;
}

export function checkExec(g: Guard, name: string, packDir?: string): string {
  if (!g.perms.exec.includes(name)) {
    throw new PermissionError(
      `${who(g)} may not run '${name}': the executable is not among those it declared and was granted`,
      g.perms.exec.length ? `allowed executables: ${g.perms.exec.join(", ")}` : "the command declares no executables",
      { exec: name },
    );
  }
  const found = whichExecutable(name, packDir);
  if (!found) {
    throw new EnvironmentError(`'${name}' is not installed (needed by ${who(g)})`, { hint: `install ${name} (e.g. apt-get install ${name}) and try again` });
  }
  return found;
}

/** The environment a spawned program gets: a minimal base plus only the secrets the command declared. */
export function childEnv(g: Guard, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  for (const k of g.perms.env) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

/** The values of the declared secrets that are set (for redaction). */
export function secretValues(perms: Permissions): string[] {
  return perms.env.map((k) => process.env[k]).filter((v): v is string => typeof v === "string" && v.length >= 4);
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns with an argv array (never a shell), with a timeout and the abort signal. */
export function spawnChecked(
  file: string,
  args: string[],
  opts: { env: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killedBy: string | undefined;
    const kill = (why: string) => {
      killedBy = why;
      child.kill("SIGTERM");
    };
    const timer = setTimeout(() => kill("timeout"), opts.timeoutMs ?? 60_000);
    const onAbort = () => kill("aborted");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (killedBy) {
        reject(new UserError(`${file} was stopped (${killedBy === "timeout" ? `no answer within ${opts.timeoutMs ?? 60_000} ms` : "aborted"})`));
        return;
      }
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}
