import type { Command } from "commander";
import { getStatus } from "../../admin/status.ts";
import { requireUser } from "../../kernel/paths.ts";
import { telosItemsText } from "../../telos/counts.ts";
import { examples, printData, print as printLine, style, withJson, wrapHanging } from "../output.ts";

export function register(program: Command): void {
  const cmd = withJson(
    program.command("status").description("one screen: who you are, goals, active projects, what is stored, backend and model, upgrades"),
  );
  examples(cmd, ["pai status", "pai status --json"]);
  cmd.action(async (opts: { json?: boolean }) => {
    const p = requireUser();
    const s = await getStatus(p);
    if (opts.json) return printData(s);
    // Each line wraps at word boundaries, under the labels' column.
    const print = (text: string) => printLine(wrapHanging(text, 10));
    const label = (l: string) => style.bold(l.padEnd(10));
    const list = (items: { id: string; text: string }[], empty: string) =>
      items.length ? items.map((i, n) => `${n ? " ".repeat(10) : ""}${style.cyan(i.id)} ${i.text}`).join("\n") : style.dim(empty);
    print(`${label("Who")}${s.name || style.dim("(no name: pai config set user.name NAME)")}`);
    print(`${label("Mission")}${list(s.mission, "(none yet: pai telos edit mission)")}`);
    print(`${label("Goals")}${list(s.goals, "(none yet: pai telos edit goals)")}`);
    print(`${label("Projects")}${list(s.projects, "(no active projects: pai telos edit projects)")}`);
    const superseded = s.counts.memorySuperseded ? style.dim(` (${s.counts.memorySuperseded} superseded)`) : "";
    const memory = s.counts.memory === null ? style.red("unreadable") : `${s.counts.memory} memor${s.counts.memory === 1 ? "y" : "ies"}${superseded}`;
    print(`${label("Stored")}${telosItemsText({ items: s.counts.telosItems, inactive: s.counts.telosInactive }, "Telos items")}, ${memory}, ${s.counts.packs} pack${s.counts.packs === 1 ? "" : "s"}`);
    print(`${label("Model")}${s.backend.name} · ${s.backend.model}`);
    const up = s.upgrade.state === "up to date" ? style.green(s.upgrade.state) : s.upgrade.state === "behind" ? style.yellow(s.upgrade.state) : s.upgrade.state;
    print(`${label("Upgrade")}${up} ${style.dim(`(${s.upgrade.detail})`)}`);
    print(`${label("Home")}${s.home}`);
    const issues: string[] = [];
    if (s.problems.telosErrors) issues.push(`${s.problems.telosErrors} Telos error(s): pai telos check`);
    if (s.problems.config) issues.push(`config: ${s.problems.config}`);
    if (s.problems.database) issues.push(`database: ${s.problems.database}`);
    if (issues.length) print(`${label("Problems")}${style.red(issues.join("; "))}`);
  });
}
