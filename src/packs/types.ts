/**
 * What a code-tier command receives. A pack's module exports a function taking a PackContext and returning
 * a string, `{ output, data }`, or nothing. Use `ctx.fetch`, `ctx.fs` and `ctx.exec`: they enforce the
 * permissions the command declared and the user granted. (A module could still import node:fs itself;
 * pai cannot stop in-process code from doing so: see the README.)
 */
import type { Permissions } from "./manifest/index.ts";

export type { Permissions, PackTier, PackManifest, PackHook } from "./manifest/index.ts";

export interface PackExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PackFs {
  readText(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
  writeText(path: string, text: string): Promise<string>;
  writeBytes(path: string, bytes: Uint8Array): Promise<string>;
  appendText(path: string, text: string): Promise<string>;
  exists(path: string): Promise<boolean>;
  list(path: string): Promise<string[]>;
  mkdir(path: string): Promise<string>;
}

export interface PackContext {
  pack: string;
  command: string;
  args: string[];
  /** The request text (or the arguments joined by spaces). */
  text: string;
  vars: Record<string, string>;
  /** The pack's settings: declared defaults overridden by config packs.settings.<pack>. */
  config: Record<string, unknown>;
  /** Only the environment secrets this command declared (and that are set). */
  env: Record<string, string>;
  /** The permissions in force, expanded (hosts, absolute paths). */
  permissions: Permissions;
  paths: {
    home: string;
    user: string;
    pack: string;
    /** Expands ~ and $PAI_HOME and makes the path absolute. */
    expand(path: string): string;
  };
  /** fetch limited to the granted hosts (redirects are followed only to granted hosts). */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  fs: PackFs;
  /** Spawns a granted executable with an argv array (never a shell). */
  exec(name: string, args: string[], opts?: { input?: string; cwd?: string; timeoutMs?: number }): Promise<PackExecResult>;
  /** Stores a memory item (kind "note" unless given); returns its id when memory is available. */
  remember(content: string, kind?: string): Promise<number | undefined>;
  /** A diagnostic line on stderr. */
  log(message: string): void;
  today: string;
  signal: AbortSignal;
}

export type PackCommandResult = string | { output: string; data?: unknown } | void;
