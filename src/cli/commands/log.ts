import type { Command } from "commander";
import { withHome } from "../../app/home.ts";
import { UsageError, UserError } from "../../kernel/errors.ts";
import { formatWhen, inZone, parseWhen, userZone } from "../../kernel/when.ts";
import { getCall, listCalls, type CallRecord } from "../../models/calllog.ts";
import { getTexts, KEEP_TEXTS, type CallTexts } from "../../models/calltexts.ts";
import type { Cap } from "../../models/limits.ts";
import { COST_GROUPS, costReport, monthStart, usd, type CostGroup, type CostRow } from "../../models/usage.ts";
import { examples, note, print, printData, style, table, verbatim, withJson } from "../output.ts";

const n = (x: number) => x.toLocaleString("en-US");


/** --since: month (the first of this month, the default), or any date parseWhen reads (today, 7d, 2026-12-01, monday…). */
export function parseSince(text: string, now: Date = new Date()): Date {
  return text.trim().toLowerCase() === "month" ? monthStart(now) : parseWhen(text, { now });
}

function costCell(c: { cost: number | null }): string {
  return c.cost === null ? "?" : usd(c.cost);
}

function printCalls(calls: CallRecord[], exchange?: string): void {
  if (!calls.length) return print(exchange ? `No model calls in exchange ${exchange}.` : "No model calls yet. Make one with 'pai ask \"…\"'.");
  print(
    table([
      ["ID", inZone("TIME"), "BACKEND", "MODEL", "PURPOSE", "IN", "OUT", "COST", "MS", "OUTCOME", "EXCHANGE"],
      ...calls.map((c) => [
        String(c.id),
        formatWhen(c.at, { seconds: true }),
        c.backend,
        c.model,
        c.purpose + (c.job ? ` (job ${c.job})` : c.pack ? ` (pack ${c.pack})` : ""),
        String(c.inputTokens),
        String(c.outputTokens),
        costCell(c),
        String(c.latencyMs),
        c.outcome === "ok" ? c.outcome : style.yellow(c.error ? `${c.outcome} (${c.error.slice(0, 60)})` : c.outcome),
        c.exchangeId ? c.exchangeId.slice(0, 8) : "",
      ]),
    ], { columns: ["key", undefined, undefined, "cut", "wrap", undefined, undefined, undefined, undefined, "wrap", undefined] }),
  );
}

function capLine(c: Cap): string {
  const amount = (v: number) => (c.measure === "cost" ? usd(v) : `${n(v)} token${v === 1 ? "" : "s"}`);
  const when = c.window === "daily" ? "today" : "this month";
  const line = `${c.key}: ${amount(c.spent)} of ${amount(c.limit)} ${when}`;
  return c.spent >= c.limit ? style.yellow(`${line} (reached: calls it holds are refused)`) : line;
}

function printCost(by: CostGroup, since: Date, rows: CostRow[], caps: { file?: string; caps: Cap[] }): void {
  const total = rows.reduce((t, r) => ({ calls: t.calls + r.calls, inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens, cost: t.cost + r.cost, unpriced: t.unpriced + r.unpriced }), {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cost: 0,
    unpriced: 0,
  });
  const local = formatWhen(since);
  const sinceText = `${local.endsWith(" 00:00") ? local.slice(0, 10) : local} (${userZone()})`;
  if (!rows.length) print(`No model calls since ${sinceText}.`);
  else {
    const none = by === "day" ? "" : "(none)";
    print(
      table([
        [by.toUpperCase(), "CALLS", "IN", "OUT", "EST. COST"],
        ...rows.map((r) => [r.key ?? none, n(r.calls), n(r.inputTokens), n(r.outputTokens), usd(r.cost) + (r.unpriced ? style.dim(` (+${r.unpriced} unpriced)`) : "")]),
        [style.bold("total"), n(total.calls), n(total.inputTokens), n(total.outputTokens), style.bold(usd(total.cost))],
      ]),
    );
    note(style.dim(`Since ${sinceText}. Costs are estimates from system/prices.json (override: user/overrides/prices.json).`));
  }
  if (caps.caps.length) {
    print("");
    print(`Caps (${caps.file}):`);
    for (const c of caps.caps) print(`  ${capLine(c)}`);
  }
}

function printShown(c: CallRecord, t: CallTexts | undefined): void {
  const who = [c.job ? `job ${c.job}` : "", c.pack ? `pack ${c.pack}` : "", c.exchangeId ? `exchange ${c.exchangeId}` : ""].filter(Boolean).join(" · ");
  print(style.bold(`Call ${c.id}  ${formatWhen(c.at, { seconds: true })} (${userZone()})  ${c.backend} ${c.model}  purpose ${c.purpose}`));
  if (who) print(who);
  print(`tokens ${n(c.inputTokens)} in, ${n(c.outputTokens)} out · estimated cost ${costCell(c)} · ${n(c.latencyMs)} ms · ${c.outcome}${c.attempt > 1 ? ` (attempt ${c.attempt})` : ""}`);
  if (c.error) print(style.yellow(c.error));
  if (!t) {
    print("");
    print(
      style.dim(
        c.kind === "embed"
          ? "An embedding call: its texts (memories) are not kept here."
          : `Its texts are not kept: an incognito call, a retried attempt (the last attempt of a call has them), or older than the last ${n(KEEP_TEXTS)} calls.`,
      ),
    );
    return;
  }
  if (t.audience === "local") note(style.dim("Sent to a local model: it may hold private items. Only you see this."));
  const part = (title: string, text: string) => {
    print("");
    print(style.cyan(`--- ${title} ---`));
    print(text);
  };
  if (t.system) part("system", t.system);
  for (const m of t.messages) {
    if (m.role === "tool") part(`tool result (${m.name})`, m.content);
    else if (m.role === "assistant") part("assistant", m.content + (m.toolCalls?.length ? `${m.content ? "\n" : ""}${m.toolCalls.map((x) => `[tool call ${x.name} ${JSON.stringify(x.arguments)}]`).join("\n")}` : ""));
    else part("user", m.content);
  }
  part("response", t.response || style.dim(c.outcome === "refused" ? "(none: the call was refused before anything was sent)" : "(none)"));
}

export function register(program: Command): void {
  const cmd = program
    .command("log")
    .description("show the log of model calls (tokens, estimated cost, outcome), what they cost by day, purpose, job or pack, and one call's texts")
    .option("--limit <n>", "how many calls, newest first", "20")
    .option("--exchange <id>", "only the calls of one exchange (its id, or the first characters the table shows)")
    .option("--cost", "sum tokens and estimated cost (and show the caps of user/limits.json)")
    .option("--by <group>", `with --cost: group by ${COST_GROUPS.join(", ")}`, "day")
    .option("--since <when>", "with --cost: month (the default), a date or time (2026-12-01, 2026-12-01T08:00) or a relative one (today, yesterday, 7d, 2w, 3 days ago, last month, monday)");
  withJson(cmd);
  examples(cmd, [
    "pai log",
    "pai log --limit 100 --json",
    "pai log --exchange 3f1c…",
    "pai log --cost",
    "pai log --cost --by purpose --since 7d",
    "pai log --cost --by day --since 'last month'",
    "pai log --cost --by job --json",
    "pai log show 42",
  ]);
  cmd.addHelpText(
    "after",
    `\nCaps (user/limits.json; every key optional):\n  {"overall": {"daily": {"cost": 5}, "monthly": {"cost": 50}},\n   "purpose": {"answer": {"daily": {"cost": 1, "tokens": 200000}}},\n   "job": {"brief": {"daily": {"cost": 0.2}}}, "pack": {"research": {"monthly": {"cost": 10}}},\n   "local": {"daily": {"tokens": 2000000}}}\n`,
  );
  cmd.action(async (opts: { limit: string; exchange?: string; json?: boolean; cost?: boolean; by: string; since?: string }) => {
    if (!opts.cost) {
      if (opts.since !== undefined || cmd.getOptionValueSource("by") === "cli") throw new UsageError("--by and --since go with --cost", { hint: "e.g. pai log --cost --by purpose --since 7d" });
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`invalid --limit '${opts.limit}'`, { hint: "give a positive whole number, e.g. --limit 50" });
      const calls = await withHome(({ db }) => listCalls(db, { limit, exchangeId: opts.exchange }));
      if (opts.json) return printData(calls);
      return printCalls(calls, opts.exchange);
    }
    if (!(COST_GROUPS as readonly string[]).includes(opts.by)) throw new UsageError(`invalid --by '${opts.by}'`, { hint: `use one of: ${COST_GROUPS.join(", ")}` });
    const by = opts.by as CostGroup;
    const now = new Date();
    const since = opts.since === undefined ? monthStart(now) : parseSince(opts.since, now);
    const { capsReport } = await import("../../models/limits.ts");
    const { rows, caps } = await withHome(({ db }) => ({ rows: costReport(db, by, since), caps: capsReport(db, now) }));
    if (opts.json) {
      return printData({
        by,
        since: since.toISOString(),
        rows: rows.map(({ key, ...r }) => ({ [by]: key, ...r })),
        total: rows.reduce((t, r) => ({ calls: t.calls + r.calls, inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens, cost: t.cost + r.cost }), { calls: 0, inputTokens: 0, outputTokens: 0, cost: 0 }),
        caps: caps.caps.map((c) => ({ ...c, reached: c.spent >= c.limit })),
      });
    }
    printCost(by, since, rows, caps);
  });

  const show = withJson(cmd.command("show").argument("<id>", "the call's id (the ID column of 'pai log')"));
  show.description("one call: its system prompt and messages as recorded (secrets redacted), its response, tokens and estimated cost");
  examples(show, ["pai log show 42", "pai log show 42 --json | jq -r .texts.response"]);
  show.action(async (idText: string) => {
    const opts = show.optsWithGlobals() as { json?: boolean };
    const id = Number(idText.replace(/^#/, ""));
    if (!Number.isInteger(id) || id < 1) throw new UsageError(`invalid call id '${idText}'`, { hint: "give the number in the ID column of 'pai log'" });
    const found = await withHome(({ db }) => {
      const call = getCall(db, id);
      return call ? { call, texts: getTexts(db, id) } : undefined;
    });
    if (!found) throw new UserError(`no model call ${id}`, { hint: "'pai log' lists the calls with their ids" });
    if (opts.json) {
      // A tool call's arguments are the model's own document: echoed with their own keys.
      const texts = found.texts && {
        ...found.texts,
        messages: found.texts.messages.map((m) => (m.role === "assistant" && m.toolCalls ? { ...m, toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: verbatim(c.arguments) })) } : m)),
      };
      return printData({ ...found.call, texts: texts ?? null });
    }
    printShown(found.call, found.texts);
  });
}
