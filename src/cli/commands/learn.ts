/**
 * `pai learn`: learns from the exchanges still queued, waits for any learner already at work, and prints what
 * was learned. `pai ask` and `pai chat` start it in the background (`--background`: detached, silent) once
 * the answer is shown, and tell what it learned the next time they run (`tellLearned`).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import type { Home } from "../../app/home.ts";
import { examples, note, print, printJson, withJson } from "../output.ts";

/** The entry point a background learner runs. */
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/**
 * Starts a detached `pai learn --background` when an exchange waits for a learner. It outlives this command,
 * its output goes nowhere, and a failure to start it loses nothing: the exchange stays queued for the next one.
 */
export async function startLearner(home: Home): Promise<void> {
  const { pendingCount } = await import("../../conversation/pending.ts");
  if (pendingCount(home.db).free === 0) return;
  try {
    const child = spawn(process.execPath, [MAIN, "learn", "--background"], { detached: true, stdio: "ignore", env: { ...process.env, PAI_HOME: home.paths.home } });
    child.on("error", () => {});
    child.unref();
  } catch {
    // Nothing to do: the exchange stays queued.
  }
}

/** Tells, one line each on stderr, what was learned since the user was last told. */
export async function tellLearned(home: Home): Promise<void> {
  const { learningNotices, noticeLine } = await import("../../conversation/learner.ts");
  for (const n of learningNotices(home.db, home.config)) note(`pai: ${noticeLine(n)}`);
}

export function register(program: Command): void {
  const cmd = program
    .command("learn")
    .description("learn from the exchanges still waiting to be learned from, and print what was learned (pai ask and pai chat do this in the background)")
    .option("--wait <seconds>", "how long to wait for a learner already at work", "120")
    .addOption(new Option("--background", "run detached, print nothing (started by ask and chat)").hideHelp());
  withJson(cmd);
  examples(cmd, ["pai learn", "pai learn --json"]);
  cmd.action(async (opts: { wait: string; background?: boolean; json?: boolean }) => {
    const { UsageError } = await import("../../kernel/errors.ts");
    const wait = Number(opts.wait);
    if (!Number.isFinite(wait) || wait < 0) throw new UsageError(`invalid --wait '${opts.wait}'`, { hint: "give a number of seconds, e.g. --wait 30" });
    const { withHome } = await import("../../app/home.ts");
    const { learnPending, learningNotices, noticeLine, waitForLearners } = await import("../../conversation/learner.ts");
    await withHome(async (home) => {
      if (opts.background) {
        await learnPending({ db: home.db, config: home.config });
        return;
      }
      const { withInterrupt } = await import("../../kernel/interrupt.ts");
      await withInterrupt(async (signal) => {
        await learnPending({ db: home.db, config: home.config, signal });
        return waitForLearners(home.db, wait * 1000, signal);
      });
      const notices = learningNotices(home.db, home.config);
      const { pendingCount } = await import("../../conversation/pending.ts");
      const left = pendingCount(home.db).pending;
      if (opts.json) {
        printJson({ notices: notices.map((n) => ({ ...n, line: noticeLine(n) })), pending: left });
        return;
      }
      for (const n of notices) print(noticeLine(n));
      if (!notices.length) print("nothing new learned");
      if (left) note(`pai: ${left} exchange${left === 1 ? "" : "s"} still waiting to be learned from — run 'pai learn' again later`);
    });
  });
}
