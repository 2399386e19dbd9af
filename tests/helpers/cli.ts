/** Spawns the real CLI (bin/pai, under Bun) in a temporary PAI_HOME. */
import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const PAI_BIN = join(ROOT, "bin", "pai");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home?: string;
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

function env(opts: RunOptions): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", PAI_DEBUG: "" };
  delete e.FORCE_COLOR;
  if (opts.home) e.PAI_HOME = opts.home;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

/** Runs `pai ARGS…` synchronously. */
export function pai(args: string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(PAI_BIN, args, {
    cwd: opts.cwd ?? ROOT,
    env: env(opts),
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 30_000,
  });
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs `pai ARGS…` asynchronously (for commands that talk to loopback servers started in the test). */
export function paiAsync(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PAI_BIN, args, { cwd: opts.cwd ?? ROOT, env: env(opts), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A temporary PAI_HOME with `pai init` already run. */
export function initHome(home: string, name = "Ada"): string {
  const r = pai(["init", "--name", name], { home });
  if (r.code !== 0) throw new Error(`pai init failed: ${r.stderr}`);
  return home;
}
