/**
 * Shell completion scripts, made from the parser's own tree (every command, verb and option, so they cannot
 * drift), with the words that change (job names, installed packs, pack commands) asked of pai when the user
 * presses Tab: `pai completion --words jobs|packs|pack-commands`.
 */
import type { Command } from "commander";

/** Which dynamic words a command's positional argument takes. */
const DYNAMIC: Record<string, "jobs" | "packs" | "pack-commands"> = {
  "jobs run": "jobs",
  "jobs enable": "jobs",
  "jobs disable": "jobs",
  "jobs remove": "jobs",
  "pack info": "packs",
  "pack uninstall": "packs",
  "pack update": "packs",
  "pack verify": "packs",
  "pack config": "packs",
  run: "pack-commands",
};

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  path: string;
  description: string;
  subs: Node[];
  options: { flags: string[]; description: string }[];
}

/** The tree of commands under `program`, by their paths ("" for pai itself, "memory search"). */
export function commandTree(program: Command): Node[] {
  const out: Node[] = [];
  const walk = (cmd: Command, path: string) => {
    const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden && c.name() !== "help");
    const options = cmd.options
      .filter((o) => !o.hidden)
      .map((o) => ({ flags: [o.short, o.long].filter((f): f is string => !!f), description: o.description }));
    options.push({ flags: ["--help"], description: "show help" });
    if (path === "") options.push({ flags: ["--version"], description: "print the version" });
    const node: Node = { path, description: cmd.description(), subs: [], options };
    out.push(node);
    for (const sub of visible) {
      const child = out.length;
      walk(sub, path ? `${path} ${sub.name()}` : sub.name());
      node.subs.push(out[child]!);
    }
  };
  walk(program, "");
  return out;
}

const name = (n: Node) => n.path.slice(n.path.lastIndexOf(" ") + 1);
/** Text inside single quotes in sh and fish. */
const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function completionScript(shell: Shell, tree: Node[]): string {
  return shell === "fish" ? fish(tree) : bashLike(shell, tree);
}

function bashLike(shell: "bash" | "zsh", tree: Node[]): string {
  const subs = tree.flatMap((n) => n.subs.map((s) => `    ${quoted(`${n.path}|${name(s)}`)}) return 0 ;;`));
  const words = tree.map((n) => {
    const list = [...n.subs.map(name), ...n.options.flatMap((o) => o.flags)].join(" ");
    const dynamic = DYNAMIC[n.path] ? ` $(pai completion --words ${DYNAMIC[n.path]} 2>/dev/null)` : "";
    return `    ${quoted(n.path)}) echo ${quoted(list)}${dynamic} ;;`;
  });
  const head =
    shell === "zsh"
      ? "# pai completion for zsh: add  eval \"$(pai completion zsh)\"  to ~/.zshrc\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"
      : "# pai completion for bash: add  eval \"$(pai completion bash)\"  to ~/.bashrc\n";
  return `${head}
_pai_is_sub() {
  case "$1|$2" in
${subs.join("\n")}
  esac
  return 1
}

_pai_words() {
  case "$1" in
${words.join("\n")}
  esac
}

_pai() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    if _pai_is_sub "$path" "$w"; then path="\${path:+$path }$w"; else break; fi
  done
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(_pai_words "$path" | tr ' ' '\\n')" -- "$cur"))
}

complete -o default -F _pai pai
`;
}

function fish(tree: Node[]): string {
  const lines = ["# pai completion for fish: pai completion fish > ~/.config/fish/completions/pai.fish", "complete -c pai -f"];
  for (const n of tree) {
    // The condition: the words of the path seen, and no verb of this node yet.
    const parts = n.path ? n.path.split(" ") : [];
    const seen = parts.map((p) => `__fish_seen_subcommand_from ${p}`);
    const none = n.subs.length ? [`not __fish_seen_subcommand_from ${n.subs.map(name).join(" ")}`] : [];
    const cond = n.path === "" ? "__fish_use_subcommand" : [...seen, ...none].join("; and ");
    for (const s of n.subs) lines.push(`complete -c pai -n ${quoted(cond)} -a ${quoted(name(s))} -d ${quoted(s.description.split("\n")[0]!.slice(0, 80))}`);
    for (const o of n.options) {
      const flags = o.flags.map((f) => (f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(" ");
      lines.push(`complete -c pai -n ${quoted(n.path === "" ? "__fish_use_subcommand" : seen.join("; and "))} ${flags} -d ${quoted(o.description.slice(0, 80))}`);
    }
    if (DYNAMIC[n.path]) lines.push(`complete -c pai -n ${quoted(seen.join("; and "))} -a ${quoted(`(pai completion --words ${DYNAMIC[n.path]} 2>/dev/null)`)}`);
  }
  return `${lines.join("\n")}\n`;
}
