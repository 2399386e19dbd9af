/**
 * The daemon's socket for read-only commands (cli/resident.ts is the client): a Unix socket, user/run/pai.sock,
 * owner-only (the folder 0700, the socket 0600), never TCP. A client sends one request as a JSON line; the
 * daemon answers it only when the client is the same version of pai (its fingerprint), for the same home, with
 * the same environment for what pai reads, and otherwise declines (one byte, "N") so that the client runs the
 * command itself. Requests run one at a time; the whole answer is sent at once, as frames
 * (kind byte, 4-byte length, bytes): "O" stdout, "E" stderr, then "X" with the exit code.
 */
import { chmodSync, closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { WriteStream } from "node:tty";
import type { Paths } from "../../kernel/paths.ts";
import { isTerminalFile } from "../../kernel/terminal.ts";

/** The socket's file, for a home's paths. */
export function residentSocket(p: Paths): string {
  return join(p.run, "pai.sock");
}

/** The request counter the daemon keeps for `pai daemon status`. */
export function residentStatsFile(p: Paths): string {
  return join(p.run, "resident.json");
}

/** What a client sends. */
export interface ResidentRequest {
  /** The client's version fingerprint (cli/resident.ts). */
  fingerprint: string;
  home: string;
  cwd: string;
  argv: string[];
  /** The client's values of the variables in RESIDENT_OUTPUT_ENV and RESIDENT_SAME_ENV. */
  env: Record<string, string | undefined>;
  /** Whether the client's stdout and stderr are terminals, and the width of its stdout's: sent, or found from `pid`. */
  tty?: { out: boolean; err: boolean };
  columns?: number;
  /** The client's process id (Linux): its terminals are looked at through /proc/PID/fd. */
  pid?: number;
}

/** Variables that change only how output looks: the client's values are used for its request. */
export const RESIDENT_OUTPUT_ENV = ["NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "PAI_DEBUG", "PAI_VERBOSE"] as const;
/** Variables pai reads that change what a command does or prints: the daemon answers only when its own are the same. */
export const RESIDENT_SAME_ENV = [
  "HOME", "PATH", "TZ", "LANG", "LC_ALL", "LC_MESSAGES", "LC_TIME", "OLLAMA_HOST", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
  "PAI_SQLITE_VEC", "PAI_INSTALL_DIR", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CI", "CONTINUOUS_INTEGRATION",
] as const;

/** One request's answer as the handler writes it. */
export interface ResidentSink {
  write(fd: 1 | 2, text: string): void;
}

export type ResidentHandler = (req: ResidentRequest, sink: ResidentSink) => Promise<number>;

export interface ResidentServer {
  close(): Promise<void>;
  readonly requests: number;
}

/** Listens on the home's socket (replacing a stale one) and answers requests with `handle`, one at a time. */
export async function startResident(p: Paths, handle: ResidentHandler, opts: { fingerprint: string; log: (line: string) => void }): Promise<ResidentServer> {
  mkdirSync(p.run, { recursive: true, mode: 0o700 });
  chmodSync(p.run, 0o700);
  const file = residentSocket(p);
  // Only the daemon that holds the lease gets here: a socket file left by one that was killed is stale.
  rmSync(file, { force: true });
  let requests = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      const all = Buffer.concat(chunks, size);
      const nl = all.indexOf(10);
      if (nl < 0) {
        if (size > 1 << 20) sock.destroy();
        return;
      }
      sock.off("data", onData);
      let req: ResidentRequest;
      try {
        req = JSON.parse(all.subarray(0, nl).toString("utf8")) as ResidentRequest;
      } catch {
        return void sock.end("N");
      }
      if (!acceptable(req, p, opts.fingerprint) || !clientTerminals(req)) return void sock.end("N");
      queue = queue.then(async () => {
        if (sock.destroyed) return;
        const frames: Buffer[] = [];
        const sink: ResidentSink = { write: (fd, text) => frames.push(frame(fd === 1 ? "O" : "E", Buffer.from(text, "utf8"))) };
        let code: number;
        try {
          code = await handle(req, sink);
        } catch (err) {
          opts.log(`socket: a request failed: ${(err as Error)?.message ?? String(err)}`);
          return void sock.end("N");
        }
        requests += 1;
        const count = Buffer.alloc(4);
        count.writeInt32BE(code);
        frames.push(frame("X", count));
        sock.end(Buffer.concat(frames));
        // The count is written once the answer is on its way.
        setImmediate(() => {
          try {
            writeFileSync(residentStatsFile(p), `${JSON.stringify({ pid: process.pid, requests })}\n`, { mode: 0o600 });
          } catch {}
        });
      });
    };
    sock.on("data", onData);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(file, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  chmodSync(file, 0o600);
  try {
    writeFileSync(residentStatsFile(p), `${JSON.stringify({ pid: process.pid, requests })}\n`, { mode: 0o600 });
  } catch {}
  return {
    get requests() {
      return requests;
    },
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        for (const s of sockets) s.destroy();
      });
      await queue.catch(() => {});
      rmSync(file, { force: true });
      rmSync(residentStatsFile(p), { force: true });
    },
  };
}

/** The requests the daemon answers: same version, same home, same environment for what pai reads. */
function acceptable(req: ResidentRequest, p: Paths, fingerprint: string): boolean {
  if (!req || req.fingerprint !== fingerprint || req.home !== p.home || !Array.isArray(req.argv) || typeof req.cwd !== "string") return false;
  const env = req.env ?? {};
  return RESIDENT_SAME_ENV.every((k) => (env[k] ?? undefined) === (process.env[k] ?? undefined));
}

/**
 * Fills in the request's `tty` and `columns` from the client's own file descriptors when it sent its process id
 * instead: /proc/PID/fd/1 and 2 lead to the files themselves (a terminal is a character device other than
 * /dev/null), and the terminal's width is read from a descriptor of its own opened here (closed after). Only the
 * user's own processes can be looked at (the socket admits only the user, and /proc admits no one else); false when
 * they cannot be, and the client then runs the command itself.
 */
function clientTerminals(req: ResidentRequest): boolean {
  if (req.tty) return typeof req.tty.out === "boolean" && typeof req.tty.err === "boolean";
  if (!Number.isInteger(req.pid) || req.pid! <= 0) return false;
  try {
    const isTerminal = (fd: 1 | 2) => isTerminalFile(statSync(`/proc/${req.pid}/fd/${fd}`));
    req.tty = { out: isTerminal(1), err: isTerminal(2) };
    req.columns = req.tty.out ? terminalColumns(`/proc/${req.pid}/fd/1`) : undefined;
    return true;
  } catch {
    return false;
  }
}

/** The width of the terminal at `path`, through a descriptor opened for it (its own, so nothing of the client's changes). */
function terminalColumns(path: string): number | undefined {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  const stream = new WriteStream(fd);
  const columns = stream.columns;
  stream.destroy();
  // Bun's stream leaves its descriptor open when destroyed (Node's closes it).
  if (typeof Bun !== "undefined") closeSync(fd);
  return columns || undefined;
}

function frame(kind: "O" | "E" | "X", body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(kind, 0, "latin1");
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Requests answered so far on the socket by the daemon `pid` (undefined when it has no socket open). */
export function residentRequests(p: Paths, pid: number): number | undefined {
  try {
    const s = JSON.parse(readFileSync(residentStatsFile(p), "utf8")) as { pid?: number; requests?: number };
    return s.pid === pid ? s.requests : undefined;
  } catch {
    return undefined;
  }
}
