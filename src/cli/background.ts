/**
 * Work a command leaves to a detached process once it has written memory: the embedder (`pai memory embed
 * --background`), started when items lack a vector of the embed model. Nothing is started when embeddings are
 * off, the model failed within its back-off, an embedder is already at work, or the daemon runs (it embeds on
 * its own). It outlives the command, its output goes nowhere, and a failure to start it loses nothing: the
 * items wait for the next embedder.
 */
import { join } from "node:path";
import { installDir } from "../kernel/paths.ts";
import type { Home } from "../app/home.ts";

/** The entry point a background process runs. */
export const MAIN = join(installDir, "src", "cli", "main.ts");

/**
 * Starts `pai ARGS…` detached, in the same PAI_HOME, with its output going nowhere. node:child_process is loaded
 * only then (some 2 ms of every `pai remember` that starts nothing).
 */
export async function spawnDetached(home: Home, args: string[]): Promise<void> {
  try {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [MAIN, ...args], { detached: true, stdio: "ignore", env: { ...process.env, PAI_HOME: home.paths.home } });
    child.on("error", () => {});
    child.unref();
  } catch {
    // Nothing to do: the work waits for the next start.
  }
}

/** Starts the background embedder when items wait for a vector and nothing else will embed them. */
export async function startEmbedder(home: Home): Promise<void> {
  try {
    // The light modules only: no model SDK is loaded unless an embedder starts (in its own process).
    const { backendEmbeds, embeddingsEnabled, embedTarget, hasBacklog } = await import("../context/embed-target.ts");
    const { embedderRunning, inBackoff } = await import("../context/embed-state.ts");
    const config = home.config;
    if (!embeddingsEnabled(config) || config.memory.incognito) return;
    const run = home.paths.run;
    const target = embedTarget(config);
    if (!backendEmbeds(target.backend) || embedderRunning(run) || inBackoff(run, target.model)) return;
    if (!hasBacklog(home.db, config, process.env, { recent: true })) return;
    const { liveLease } = await import("../automation/daemon/state.ts");
    if (liveLease(home.db)) return;
    await spawnDetached(home, ["memory", "embed", "--background"]);
  } catch {
    // A busy database or an unreadable run folder: the items wait for the next write or 'pai memory embed'.
  }
}
