import { Option, type Command } from "commander";
import { UsageError } from "../../kernel/errors.ts";
import { examples, writeFd } from "../output.ts";

const WORDS = ["jobs", "packs", "pack-commands"] as const;

export function register(program: Command): void {
  const cmd = program
    .command("completion")
    .argument("[shell]", "bash, zsh or fish")
    .description("print the shell completion script for bash, zsh or fish (commands, verbs, options, job names, packs and pack commands)")
    .addOption(new Option("--words <kind>", "print the words of one kind, for the scripts: jobs, packs, pack-commands").hideHelp());
  examples(cmd, ["pai completion bash", `eval "$(pai completion bash)"      # in ~/.bashrc`, `eval "$(pai completion zsh)"       # in ~/.zshrc`, "pai completion fish > ~/.config/fish/completions/pai.fish"]);
  cmd.action(async (shell: string | undefined, opts: { words?: string }) => {
    if (opts.words !== undefined) return printWords(opts.words);
    const { SHELLS, commandTree, completionScript } = await import("../completion.ts");
    if (!shell) throw new UsageError("name the shell: pai completion bash|zsh|fish", { hint: `add  eval "$(pai completion bash)"  to ~/.bashrc` });
    if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`no completion for the shell '${shell}'`, { hint: "use bash, zsh or fish" });
    const { COMMANDS } = await import("../registry.ts");
    const { buildProgram } = await import("../program.ts");
    const full = buildProgram();
    for (const { load } of Object.values(COMMANDS)) await (await load()).register(full);
    writeFd(1, completionScript(shell as "bash", commandTree(full)));
  });
}

/** The words a completion script asks for; nothing (and no error) where there is no home yet. */
async function printWords(kind: string): Promise<void> {
  if (!(WORDS as readonly string[]).includes(kind)) throw new UsageError(`unknown kind of words '${kind}'`, { hint: `use ${WORDS.join(", ")}` });
  const { paths } = await import("../../kernel/paths.ts");
  const p = paths();
  const words: string[] = [];
  try {
    if (kind === "jobs") {
      const { loadJobs } = await import("../../automation/jobs/store.ts");
      words.push(...loadJobs(p).jobs.map((j) => j.name));
    } else {
      const { installedCommands } = await import("../../automation/jobs/packs.ts");
      for (const [pack, commands] of await installedCommands(p)) {
        if (kind === "packs") words.push(pack);
        else for (const c of commands) words.push(`${pack}:${c}`);
      }
    }
  } catch {
    // No home, or a file that does not parse: no words (completion never prints an error).
  }
  if (words.length) writeFd(1, `${words.join("\n")}\n`);
}
