/**
 * What a running command may reach beyond pai: granted executables spawned with an argv array (never a
 * shell) and a minimal environment holding only the secrets it declared, and a fetch limited to the granted
 * hosts, redirects included.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { checkHost, PermissionError, who, type Guard } from "./permissions.ts";

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

/** fetch limited to the granted hosts; redirects are followed by hand so each hop is checked. */
export function guardedFetch(guard: Guard, signal?: AbortSignal): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    let target = checkHost(guard, url);
    let req: RequestInit = { ...init, redirect: "manual", signal: init.signal ?? signal };
    for (let hop = 0; hop < 6; hop++) {
      const res = await fetch(target, req);
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        target = checkHost(guard, new URL(res.headers.get("location")!, target));
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && req.method && req.method !== "GET")) req = { ...req, method: "GET", body: undefined };
        continue;
      }
      return res;
    }
    throw new UserError(`${guard.pack}:${guard.command}: too many redirects from ${String(url)}`);
  };
}
