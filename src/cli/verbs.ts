/**
 * A command group's verbs, registered lazily: to run `pai memory search …` only search.ts is loaded, the other
 * verbs are registered by name (so a typo still gets its "did you mean"); help of the group, or a word that is no
 * verb, loads them all, so the group's help is complete.
 */
import type { Command } from "commander";
import { commandName } from "./catalog.ts";

/** Registers one verb on its group. */
export type VerbRegister = (group: Command) => void;

/** The verbs of a group, each with the loader of the function that registers it, in the order help lists them. */
export type Verbs = Record<string, () => Promise<VerbRegister>>;

const HELP_WORDS = new Set(["-h", "--help", "help"]);

/** Registers the verb `args` (the words after the group's name) names, or every verb when help is asked for. */
export async function registerVerbs(group: Command, verbs: Verbs, args: string[] | undefined): Promise<void> {
  const wanted = args ? commandName(args) : undefined;
  const one = wanted !== undefined && Object.hasOwn(verbs, wanted) && !args!.some((a) => HELP_WORDS.has(a));
  if (!one) {
    for (const register of await Promise.all(Object.values(verbs).map((load) => load()))) register(group);
    return;
  }
  for (const name of Object.keys(verbs)) {
    if (name === wanted) (await verbs[name]!())(group);
    else group.command(name).allowUnknownOption().helpOption(false);
  }
}
