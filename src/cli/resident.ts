/**
 * The client of the daemon's socket (automation/daemon/resident.ts): read-only commands (memory search, list,
 * show, stats; context; status; telos list, show, check) are answered by a running daemon when there is one, and
 * what it returns is printed as it is (stdout, stderr, exit code). With no daemon, a stale or refused socket, a
 * daemon of another version, another home or another environment, or any error before the answer is complete,
 * `residentAnswer` returns undefined and the command runs in this process. PAI_NO_RESIDENT=1 always runs it here.
 *
 * This module is loaded before anything else of the CLI and loads only node:fs, kernel/fingerprint.ts and
 * kernel/tty.ts; it connects with Bun's own Unix socket client (node:net, which costs ~11 ms to load, only
 * under another runtime).
 */
import { writeSync } from "node:fs";
import { installFingerprint } from "../kernel/fingerprint.ts";
import { isTerminal } from "../kernel/tty.ts";

/** The commands the daemon answers: the command, then its sub-command where it has some. */
const READ_ONLY: Record<string, readonly string[] | null> = {
  memory: ["search", "list", "show", "stats"],
  telos: ["list", "show", "check"],
  context: null,
  status: null,
};

/** Variables sent with a request (the daemon's RESIDENT_OUTPUT_ENV and RESIDENT_SAME_ENV). */
const SENT_ENV = [
  "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "PAI_DEBUG", "PAI_VERBOSE",
  "HOME", "PATH", "TZ", "LANG", "LC_ALL", "LC_MESSAGES", "LC_TIME", "OLLAMA_HOST", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
  "PAI_SQLITE_VEC", "PAI_INSTALL_DIR", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CI", "CONTINUOUS_INTEGRATION",
];

/** How long a connected client waits for the whole answer before running the command itself. */
const ANSWER_WAIT_MS = 30_000;

/** Whether the daemon may answer `pai ARGS…`: a read-only command, no help, no version, nothing read from stdin. */
export function residentEligible(args: string[]): boolean {
  const [cmd, sub] = args;
  if (!cmd || !Object.hasOwn(READ_ONLY, cmd)) return false;
  const subs = READ_ONLY[cmd];
  if (subs && (!sub || !subs.includes(sub))) return false;
  return !args.some((a) => a === "-" || a === "-h" || a === "--help" || a === "-V" || a === "--version" || a === "help");
}

/** The install's root: two folders above this file (src/cli/resident.ts). */
function installRoot(): string {
  return decodeURIComponent(new URL("../..", import.meta.url).pathname).replace(/\/+$/, "");
}

/**
 * Sends `pai ARGS…` to the daemon of this home and prints its answer; the exit code, or undefined when the
 * command must run in this process (nothing was printed then).
 */
export async function residentAnswer(argv: string[]): Promise<number | undefined> {
  const env = process.env;
  // PAI_DEBUG=1 prints stack traces, which name this process's frames: run here.
  if (env.PAI_NO_RESIDENT === "1" || env.PAI_DEBUG === "1") return undefined;
  const args = argv.slice(2);
  if (!residentEligible(args)) return undefined;
  const root = installRoot();
  const fromEnv = env.PAI_HOME?.trim();
  const home = fromEnv ? fromEnv.replace(/\/+$/, "") || "/" : root;
  // A relative or unusual PAI_HOME is resolved by the command itself (kernel/paths.ts).
  if (!home.startsWith("/") || /(^|\/)\.\.?(\/|$)/.test(home)) return undefined;
  const sent: Record<string, string> = {};
  for (const k of SENT_ENV) if (env[k] !== undefined) sent[k] = env[k]!;
  const out = isTerminal(1);
  const request = {
    fingerprint: installFingerprint(root),
    home,
    cwd: process.cwd(),
    argv: args,
    env: sent,
    tty: { out, err: isTerminal(2) },
    columns: out ? process.stdout.columns : undefined,
  };
  const answer = await ask(`${home}/user/run/pai.sock`, `${JSON.stringify(request)}\n`);
  if (!answer) return undefined;
  const frames = parse(answer);
  if (!frames) return undefined;
  for (const f of frames.output) writeAll(f.fd, f.bytes);
  return frames.code;
}

/** The daemon's whole answer, or undefined on any failure (no socket, refused, declined, cut short). */
async function ask(socket: string, request: string): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let settle: (v: Buffer | undefined) => void = () => {};
  const answer = new Promise<Buffer | undefined>((resolveAnswer) => (settle = resolveAnswer));
  let done = false;
  const finish = (v: Buffer | undefined) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    settle(v);
  };
  const timer = setTimeout(() => finish(undefined), ANSWER_WAIT_MS);
  try {
    if (typeof Bun !== "undefined") {
      const conn = await Bun.connect({
        unix: socket,
        socket: {
          data: (_s, d) => void chunks.push(Buffer.from(d)),
          end: () => finish(Buffer.concat(chunks)),
          close: () => finish(Buffer.concat(chunks)),
          error: () => finish(undefined),
          connectError: () => finish(undefined),
        },
      });
      conn.write(request);
      conn.flush();
      const v = await answer;
      conn.end();
      return v;
    }
    const { connect } = await import("node:net");
    const conn = connect(socket);
    conn.on("error", () => finish(undefined));
    conn.on("connect", () => conn.write(request));
    conn.on("data", (d: Buffer) => chunks.push(d));
    conn.on("end", () => finish(Buffer.concat(chunks)));
    conn.on("close", () => finish(Buffer.concat(chunks)));
    const v = await answer;
    conn.destroy();
    return v;
  } catch {
    finish(undefined);
    return undefined;
  }
}

/** The frames of a complete answer (kind, 4-byte length, bytes; "X" last with the exit code), else undefined. */
function parse(buf: Buffer): { output: { fd: 1 | 2; bytes: Buffer }[]; code: number } | undefined {
  const output: { fd: 1 | 2; bytes: Buffer }[] = [];
  let off = 0;
  while (off + 5 <= buf.length) {
    const kind = buf[off];
    const len = buf.readUInt32BE(off + 1);
    const body = buf.subarray(off + 5, off + 5 + len);
    if (body.length !== len) return undefined;
    off += 5 + len;
    if (kind === 0x58 /* X */) return len === 4 && off === buf.length ? { output, code: body.readInt32BE(0) } : undefined;
    if (kind === 0x4f /* O */) output.push({ fd: 1, bytes: body });
    else if (kind === 0x45 /* E */) output.push({ fd: 2, bytes: body });
    else return undefined;
  }
  return undefined;
}

/** Writes all of `buf` (partial writes continued, a full pipe waited for); a closed reader ends the writing quietly. */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      return;
    }
  }
}
