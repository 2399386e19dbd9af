import type { Command } from "commander";
import { withHome } from "../../../app/home.ts";
import { addJob, describeAction, describeTrigger } from "../../../automation/jobs/index.ts";
import { UsageError } from "../../../kernel/errors.ts";
import { Secrets } from "../../../kernel/secrets.ts";
import { examples, print, printData, verbatim, withJson } from "../../output.ts";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(group: Command): void {
  const cmd = group
    .command("add <name>")
    .description("add a job from flags (or --from FILE); written to user/jobs/<name>.json")
    .option("--from <file>", "a job JSON file to copy in (validated)")
    .option("--description <text>", "what the job is for")
    .option("--disabled", "add it switched off")
    .option("--cron <expr>", "trigger: a cron expression")
    .option("--tz <zone>", "time zone of the cron expression (IANA, e.g. Europe/Paris)")
    .option("--catch-up <policy>", "runs missed while the daemon was down: skip | once | all")
    .option("--catch-up-max <n>", "with --catch-up all: at most this many")
    .option("--watch <path>", "trigger: a file or folder changed")
    .option("--debounce <duration>", "with --watch: quiet time before firing (default 100ms)")
    .option("--check-cmd <argv>", "trigger: a command printing a number (words or a JSON array; no shell)")
    .option("--check-file <path>", "trigger: a file holding a number")
    .option("--above <n>", "fire when the value goes above n")
    .option("--below <n>", "fire when the value goes below n")
    .option("--every <duration>", "check interval (threshold; mail on a server without IDLE)")
    .option("--mail-host <host>", "trigger: new mail on this IMAP server")
    .option("--mail-port <port>", "IMAP port (default 993)")
    .option("--mail-user <user>", "IMAP user")
    .option("--mail-password-env <VAR>", "environment variable holding the IMAP password")
    .option("--mailbox <name>", "mailbox (default INBOX)")
    .option("--mail-insecure", "no TLS from the start (STARTTLS when offered)")
    .option("--mail-from <text>", "only mail whose sender contains this")
    .option("--mail-subject <text>", "only mail whose subject contains this")
    .option("--webhook", "trigger: POST /hooks/<name> on the local webhook listener")
    .option("--manual", "no trigger: only 'pai jobs run NAME' fires it")
    .option("--action <type>", "remember | pack | ask | notify")
    .option("--text <text>", "remember: the text; pack: the input text")
    .option("--pack <pack>", "pack: the pack")
    .option("--command <command>", "pack: the command (or PACK:COMMAND)")
    .option("--arg <arg>", "pack: an argument (repeatable)", collect)
    .option("--prompt <text>", "ask: the prompt")
    .option("--message <text>", "notify: the message")
    .option("--title <text>", "notify: the title")
    .option("--via <pack>", "notify: notify | voice")
    .option("--then <pack>", "ask: deliver the answer through notify | voice (--title gives the title)")
    .option("--rate <n/window>", "rate limit, e.g. 5/1h")
    .option("--approval", "wait for 'pai approvals approve' before acting")
    .option("--grant <kind=value>", "limit the action's permissions, e.g. network=ntfy.sh (repeatable)", collect);
  withJson(cmd);
  examples(cmd, [
    `pai jobs add nightly --cron "0 7 * * *" --tz Europe/Paris --action remember --text "morning review"`,
    `pai jobs add notes --watch ~/notes --action pack --command journal:write --text "{{path}} changed"`,
    `pai jobs add deploy --webhook --action notify --message "deploy: {{body}}" --approval`,
    `pai jobs add brief --cron "0 7 * * *" --action ask --prompt "my day in three lines" --then notify --title "Morning brief"`,
    `pai jobs add inbox --from ./inbox-job.json`,
  ]);
  cmd.action(async (name: string, opts: Record<string, unknown> & { json?: boolean }) => {
    if (opts.then !== undefined && opts.then !== "notify" && opts.then !== "voice") throw new UsageError(`--then takes notify or voice, not '${String(opts.then)}'`);
    const job = await withHome((home) => addJob(home, new Secrets(), name, opts as never));
    if (opts.json) {
      const { file: _f, name: _n, ...rest } = job;
      // trigger, action and policy keep the keys of the job's file (user/jobs/NAME.json).
      return printData({ name, ...rest, trigger: verbatim(job.trigger), action: verbatim(job.action), policy: verbatim(job.policy), file: `user/jobs/${name}.json` });
    }
    print(`Added job ${name}: ${describeTrigger(job.trigger)} → ${describeAction(job.action)}${job.enabled ? "" : " (disabled)"}`);
    print(`A running daemon picks it up by itself; 'pai jobs run ${name}' fires it once now.`);
  });
}
