/**
 * The module that defines each top-level command (catalog.ts has their names and summaries), loaded only to run
 * the command, or for help that lists its verbs: program.ts registers every other command by its summary alone.
 */
import type { Command } from "commander";
import { SUMMARIES, type CommandName } from "./catalog.ts";

/** A command's module: registers it on the program; a group registers fully only the verb `args` names. */
export type CommandModule = { register(program: Command, args?: string[]): void | Promise<void> };
type Loader = () => Promise<CommandModule>;

const LOADERS: Record<CommandName, Loader> = {
  init: () => import("./commands/init.ts"),
  status: () => import("./commands/status.ts"),
  telos: () => import("./commands/telos/index.ts"),
  context: () => import("./commands/context.ts"),
  config: () => import("./commands/config/index.ts"),
  remember: () => import("./commands/remember.ts"),
  memory: () => import("./commands/memory/index.ts"),
  ask: () => import("./commands/ask.ts"),
  chat: () => import("./commands/chat.ts"),
  learn: () => import("./commands/learn.ts"),
  models: () => import("./commands/models.ts"),
  log: () => import("./commands/log.ts"),
  do: () => import("./commands/do.ts"),
  run: () => import("./commands/run.ts"),
  pack: () => import("./commands/pack/index.ts"),
  jobs: () => import("./commands/jobs/index.ts"),
  daemon: () => import("./commands/daemon/index.ts"),
  approvals: () => import("./commands/approvals/index.ts"),
  audit: () => import("./commands/audit/index.ts"),
  mcp: () => import("./commands/mcp.ts"),
  export: () => import("./commands/export/index.ts"),
  integrate: () => import("./commands/integrate.ts"),
  sync: () => import("./commands/sync/index.ts"),
  serve: () => import("./commands/serve.ts"),
  doctor: () => import("./commands/doctor.ts"),
  upgrade: () => import("./commands/upgrade.ts"),
  completion: () => import("./commands/completion.ts"),
};

/** Every top-level command, in the order help lists them: its summary and the loader of its module. */
export const COMMANDS = Object.fromEntries(
  (Object.keys(SUMMARIES) as CommandName[]).map((name) => [name, { summary: SUMMARIES[name], load: LOADERS[name] }]),
) as Record<CommandName, { summary: string; load: Loader }>;
