/**
 * The client of the daemon's socket (automation/daemon/resident.ts): read-only commands (memory search, list,
 * show, stats; context; status; telos list, show, check) are answered by a running daemon when there is one, and
 * what it returns is printed as it is (stdout, stderr, exit code). With no daemon, a stale or refused socket, a
 * daemon of another version, another home or another environment, or any error before the answer is complete,
 * `residentAnswer` returns undefined and the command runs in this process. PAI_NO_RESIDENT=1 always runs it here.
 *
 * This module is loaded before anything else of the CLI and loads nothing but package.json: it reads, connects and
 * writes with Bun's own APIs (node:fs costs ~5 ms to load and node:net ~11 ms; they are loaded only under another
 * runtime), and synchronously where it can: the first asynchronous file operation of a process starts Bun's I/O
 * threads, about 2.5 ms. On Linux the client sends its process id and the daemon looks at the client's standard
 * output and error itself (/proc/PID/fd: whether each is a terminal, and the terminal's width), so the client asks
 * nothing of its terminals; elsewhere the client checks them. The fingerprint the daemon compares is computed
 * here, for both sides.
 */
import pkg from "../../package.json" with { type: "json" };

/**
 * The commands the daemon answers: the command, then its sub-command where it has some. The build makes each of them
 * a file of its own as well (scripts/build.ts), which a command the daemon does not answer runs (main.ts).
 */
export const READ_ONLY: Record<string, readonly string[] | null> = {
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

/** The name of the build's own file for `pai ARGS…` ("memory.search", "status"), when the daemon may answer it. */
export function readOnlyName(args: string[]): string | undefined {
  return residentEligible(args) ? (READ_ONLY[args[0]!] ? `${args[0]}.${args[1]}` : args[0]) : undefined;
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
  const socket = `${home}/user/run/pai.sock`;
  // No daemon, no socket: the command runs here at once, without the fingerprint and a connection that would fail
  // (about 6 ms, most of it Bun's first socket).
  if (!socketPresent(socket)) return undefined;
  const sent: Record<string, string> = {};
  for (const k of SENT_ENV) if (env[k] !== undefined) sent[k] = env[k]!;
  const request: Record<string, unknown> = { fingerprint: await installFingerprint(root), home, cwd: process.cwd(), argv: args, env: sent };
  if (process.platform === "linux") request.pid = process.pid;
  else {
    const [out, err] = await Promise.all([terminal(1), terminal(2)]);
    request.tty = { out, err };
    request.columns = out ? process.stdout.columns : undefined;
  }
  const answer = await ask(socket, `${JSON.stringify(request)}\n`);
  if (!answer) return undefined;
  const frames = parse(answer);
  if (!frames) return undefined;
  for (const f of frames.output) if (!(await writeAll(f.fd, f.bytes))) break;
  return frames.code;
}

/**
 * Whether the daemon's socket file is there. Under Bun, one synchronous stat with nothing to load: a missing file's
 * lastModified is the largest time Bun has, never a socket's (created when its daemon started). Elsewhere, and
 * should that ever change, the connection itself tells.
 */
function socketPresent(socket: string): boolean {
  if (typeof Bun === "undefined") return true;
  const time = Bun.file(socket).lastModified;
  return !(time > Date.now() + 100 * 365 * 86_400_000);
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
          // The answer is whole once its exit frame came: no need to wait for the daemon to close the socket.
          data: (_s, d) => {
            chunks.push(Buffer.from(d));
            const all = Buffer.concat(chunks);
            if (parse(all)) finish(all);
          },
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

/** Writes all of `buf`; false when the reader has gone (`pai … | head -1`), which ends the writing quietly. */
async function writeAll(fd: 1 | 2, buf: Uint8Array): Promise<boolean> {
  try {
    if (typeof Bun !== "undefined") {
      await Bun.write(fd === 1 ? Bun.stdout : Bun.stderr, buf);
      return true;
    }
    const { writeSync } = await import("node:fs");
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    return true;
  } catch {
    return false;
  }
}

/**
 * A small file's text, or undefined when it cannot be read. Under Bun it is mapped (Bun.mmap, synchronous): the
 * files read here are git's, which git replaces by renaming a new file, never by rewriting one in place.
 */
async function readText(file: string): Promise<string | undefined> {
  try {
    if (typeof Bun !== "undefined") {
      if (Bun.file(file).size === 0) return "";
      return new TextDecoder().decode(Bun.mmap(file, { shared: false }));
    }
    return (await import("node:fs")).readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The version fingerprint of a pai install: what a client of the daemon's socket and the daemon compare, so that
 * a daemon running other code is never used. It is package.json's version (as this code was loaded with it) and,
 * where the install is a git working copy (`pai upgrade` is a git pull), the commit checked out: two or three
 * small reads. Edits not yet committed in a working copy are not part of it (restart the daemon, or set
 * PAI_NO_RESIDENT=1). Elsewhere it covers the size and time of every file under src/.
 */
export async function installFingerprint(root: string): Promise<string> {
  return `${pkg.version ?? "?"}:${await codeMark(root)}`;
}

async function codeMark(root: string): Promise<string> {
  const head = (await readText(`${root}/.git/HEAD`))?.trim();
  if (head && !head.startsWith("ref: ")) return head;
  if (head) {
    const ref = head.slice(5);
    const loose = (await readText(`${root}/.git/${ref}`))?.trim();
    if (loose) return loose;
    const line = (await readText(`${root}/.git/packed-refs`))?.split("\n").find((l) => l.endsWith(` ${ref}`));
    if (line) return line.slice(0, line.indexOf(" "));
  }
  let h = 0;
  try {
    const { readdirSync, statSync } = await import("node:fs");
    for (const e of readdirSync(`${root}/src`, { recursive: true }) as string[]) {
      const s = statSync(`${root}/src/${e}`);
      h = (h * 31 + s.mtimeMs + s.size) % 4294967296;
    }
  } catch {}
  return `src:${h}`;
}

/**
 * The width output is laid out to on a terminal: COLUMNS when set to a width, else the terminal's own, else 80
 * (output.ts's terminalColumns and the top-level help both use it, so they never disagree).
 */
export function terminalWidth(envColumns: string | undefined, own: number | undefined): number {
  const env = Number(envColumns);
  return Number.isInteger(env) && env > 0 ? env : own || 80;
}

/**
 * Whether a file descriptor is a terminal: a character device other than /dev/null. kernel/terminal.ts has the
 * same check, synchronous, through node:fs, which this module does not load.
 */
export async function terminal(fd: 1 | 2): Promise<boolean> {
  try {
    if (typeof Bun === "undefined") return (await import("node:tty")).isatty(fd);
    const [st, devNull] = await Promise.all([Bun.file(fd).stat(), Bun.file("/dev/null").stat()]);
    return st.isCharacterDevice() && st.rdev !== devNull.rdev;
  } catch {
    return false;
  }
}
