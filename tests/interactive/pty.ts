/**
 * Runs a shell command on a pseudo-terminal with util-linux `script`, so the CLI sees a real terminal (raw
 * mode, line discipline, Ctrl-C as a key), and lets a test type into it and wait for what it shows.
 */
import { spawn } from "node:child_process";

export interface Pty {
  /** Everything the terminal has shown so far, escape sequences included. */
  output(): string;
  /** Types keys (e.g. "y\r", "\u0003" for Ctrl-C, "\u0004" for Ctrl-D). */
  send(keys: string): void;
  /** Resolves once the output (from `from` on) matches. */
  waitFor(what: string | RegExp, from?: number): Promise<void>;
  /** Resolves with the exit code of the command. */
  exited: Promise<number>;
}

export function runPty(command: string, env: Record<string, string>, timeoutMs = 20_000): Pty {
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, NO_COLOR: "1", PAI_DEBUG: "", TERM: "xterm-256color", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      for (const l of listeners) l();
      resolve(code ?? 128);
    }),
  );
  return {
    output: () => out,
    send: (keys) => child.stdin.write(keys),
    exited,
    waitFor: (what, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const test = () => (typeof what === "string" ? out.slice(from).includes(what) : what.test(out.slice(from)));
        const check = () => {
          if (test()) {
            listeners.delete(check);
            clearTimeout(t);
            resolve();
          } else if (child.exitCode !== null) {
            listeners.delete(check);
            clearTimeout(t);
            reject(new Error(`exited before showing ${what}; the terminal showed:\n${out}`));
          }
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${what}; the terminal showed:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

/** The text of the terminal output with escape sequences and carriage returns removed. */
export function plain(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is removed
  return s.replace(/\u001B\[[0-9;?>=]*[A-Za-z]|\u001B\][^\u0007]*\u0007|\u001B[()][A-Z0-9]|\r/g, "");
}
