/**
 * `pai learn`: learns from the exchanges still queued, waits for any learner already at work, and prints what
 * was learned. `pai ask` and `pai chat` start it in the background (`--background`: detached, silent) once
 * the answer is shown, and tell what it learned the next time they run (`tellLearned`). A background learner
 * then embeds what waits for a vector (the exchange and what it learned); with no exchange to learn from, the
 * background embedder is started instead (../background.ts).
 */
import { Option, type Command } from "commander";
import type { Home } from "../../app/home.ts";
import { spawnDetached, startEmbedder } from "../background.ts";
import { examples, note, print, printJson, withJson } from "../output.ts";

/**
 * Starts a detached `pai learn --background` when an exchange waits for a learner (it outlives this command,
 * its output goes nowhere, and a failure to start it loses nothing: the exchange stays queued for the next
 * one); otherwise the background embedder, when items wait for a vector.
 */
export async function startLearner(home: Home): Promise<void> {
  const { pendingCount } = await import("../../conversation/pending.ts");
  if (pendingCount(home.db).free === 0) return startEmbedder(home);
  await spawnDetached(home, ["learn", "--background"]);
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
        const { embedPass } = await import("../../context/embed.ts");
        const { liveLease } = await import("../../automation/daemon/state.ts");
        if (!liveLease(home.db)) await embedPass({ db: home.db, config: home.config, run: home.paths.run });
        return;
      }
      const { withInterrupt } = await import("../../kernel/interrupt.ts");
      await withInterrupt(async (signal) => {
        await learnPending({ db: home.db, config: home.config, signal });
        return waitForLearners(home.db, wait * 1000, signal);
      });
      await startEmbedder(home);
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
