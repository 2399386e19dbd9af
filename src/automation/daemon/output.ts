/**
 * The daemon process's output. What it prints goes to daemon.log (`pai daemon start`, the service files of
 * `pai daemon install`), a terminal (`pai daemon run`) or a service manager's own log; in every case it passes
 * through the redactor first, so that a pack that prints a secret with console.log cannot leave it there.
 *
 * When standard output or error is daemon.log itself, the process writes the log through one RotatingLog, so
 * that it can rotate it: what it prints is appended by path, and a rotation moves on to a fresh file. The
 * descriptors it was started with stay open on the first file; only what bypasses process.stdout/stderr (a crash
 * of the runtime itself) still goes there.
 */
import { join } from "node:path";
import { format } from "node:util";
import type { Config } from "../../config/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { safeText } from "../../kernel/terminal.ts";
import { RotatingLog, sameFile } from "./log.ts";

export function logFile(p: Paths): string {
  return join(p.logs, "daemon.log");
}

/** Where a stream's output goes instead of its descriptor (the rotating log); throws when it cannot be written. */
export type OutputSinks = Map<NodeJS.WriteStream, (text: string) => void>;

/**
 * Routes everything this process writes to stdout and stderr (console included) through `secrets`' redactor,
 * and to its sink where one is given. Returns how to undo it.
 */
export function captureOutput(secrets: Secrets, sinks: OutputSinks = new Map()): () => void {
  const undo: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    const write = original.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
      if (text === undefined) return write(chunk, ...rest);
      const clean = secrets.redact(text);
      const sink = sinks.get(stream);
      if (sink) {
        try {
          sink(clean);
          const done = rest.find((r) => typeof r === "function") as ((err?: Error | null) => void) | undefined;
          if (done) queueMicrotask(() => done(null));
          return true;
        } catch {
          // The log could not be written (disk full?): the descriptor is all that is left.
        }
      }
      return write(clean, ...rest);
    }) as typeof stream.write;
    undo.push(() => (stream.write = original));
  }
  // Bun's console writes to the file descriptors directly, not through process.stdout: route it through them.
  for (const [method, stream] of [["log", process.stdout], ["info", process.stdout], ["debug", process.stdout], ["warn", process.stderr], ["error", process.stderr]] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => void stream.write(`${format(...args)}\n`);
    undo.push(() => (console[method] = original));
  }
  return () => {
    for (const u of undo.reverse()) u();
  };
}

/**
 * The rotating log, when this process's standard output or error is daemon.log: the streams that are go to it
 * (added to `sinks`). Undefined on a terminal or a service manager's own log.
 */
export function ownLog(p: Paths, config: Config, sinks: OutputSinks): RotatingLog | undefined {
  const file = logFile(p);
  const streams = ([[process.stdout, 1], [process.stderr, 2]] as const).filter(([, fd]) => sameFile(fd, file)).map(([s]) => s);
  if (!streams.length) return undefined;
  const log = new RotatingLog(file, { maxBytes: config.daemon.logMaxBytes, keep: config.daemon.logKeep });
  for (const s of streams) sinks.set(s, (text) => log.write(text));
  return log;
}

/** The daemon's log lines on standard output: time-stamped and safe for a terminal (redacted by the daemon). */
export function logLine(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${safeText(line)}\n`);
}
