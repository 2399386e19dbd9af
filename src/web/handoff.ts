/**
 * The daemon's dashboard (daemon.serve: true) and `pai serve`: the daemon keeps the address with its current
 * one-time key in user/run/dashboard.json (owner-only, like the socket beside it; never in a log), a new key after
 * each sign-in, and `pai serve` hands that address to the user instead of starting a second server.
 */
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../kernel/fs.ts";
import type { Paths } from "../kernel/paths.ts";

export function handoffFile(p: Paths): string {
  return join(p.run, "dashboard.json");
}

export function writeHandoff(p: Paths, url: string): void {
  const file = handoffFile(p);
  writeFileAtomic(file, `${JSON.stringify({ pid: process.pid, url })}\n`);
  chmodSync(file, 0o600);
}

export function clearHandoff(p: Paths): void {
  try {
    if ((JSON.parse(readFileSync(handoffFile(p), "utf8")) as { pid?: number }).pid === process.pid) rmSync(handoffFile(p), { force: true });
  } catch {}
}

/** The running daemon's dashboard address (with a fresh one-time key), or undefined when no daemon serves one. */
export function daemonDashboard(p: Paths): string | undefined {
  try {
    const h = JSON.parse(readFileSync(handoffFile(p), "utf8")) as { pid?: number; url?: string };
    if (!h.pid || typeof h.url !== "string") return undefined;
    process.kill(h.pid, 0);
    return h.url;
  } catch {
    return undefined;
  }
}
