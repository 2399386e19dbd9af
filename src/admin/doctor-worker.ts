/**
 * The database integrity check of `pai doctor` in a worker thread, so the other checks run while SQLite reads
 * the file. Receives { file, mode, immutable, part }, answers { result } or { error }.
 */
import { integrityOfFile, type IntegrityMode, type Part } from "./doctor-sqlite.ts";

declare const self: { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };

self.onmessage = async (e: MessageEvent) => {
  const { file, mode, immutable, part } = e.data as { file: string; mode: IntegrityMode; immutable: boolean; part?: Part };
  try {
    self.postMessage({ result: await integrityOfFile(file, mode, immutable, part) });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.message.split("\n")[0] : String(err) });
  }
};
