/**
 * `{{…}}` templates for cli argument lists and prompt files.
 *
 *   {{input}}          the request text (or the arguments joined by spaces)
 *   {{args}}           every argument (as separate argv elements when it is a whole element)
 *   {{arg1}} {{arg2}}  one argument
 *   {{NAME}} / {{vars.NAME}}   a variable (from a trigger's named group or --var NAME=VALUE)
 *   {{config.KEY}}     a pack setting (arrays spread into argv elements)
 *   {{date}}           today, YYYY-MM-DD
 *   {{read:EXPR}} / {{write:EXPR}}   EXPR expanded as a path (~, $PAI_HOME) and checked against the grants
 */
export interface TemplateScope {
  input: string;
  args: string[];
  vars: Record<string, string>;
  config: Record<string, unknown>;
  date: string;
}

export type PathCheck = (kind: "read" | "write", value: string) => string;

/** A whole `{{config.KEY}}` entry (a permission or a watched path taken from a setting); group 1 is KEY. */
export const CONFIG_ENTRY = /^\{\{\s*config\.([A-Za-z0-9_.-]+)\s*\}\}$/;

/** The setting named by a whole `{{config.KEY}}` entry, or undefined for any other entry. */
export function configKeyOf(entry: string): string | undefined {
  return CONFIG_ENTRY.exec(entry)?.[1];
}

const TOKEN = /\{\{\s*([a-z]+:)?\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

function lookup(expr: string, scope: TemplateScope): unknown {
  if (expr === "input") return scope.input;
  if (expr === "args") return scope.args;
  if (expr === "date") return scope.date;
  const argN = /^arg(\d+)$/.exec(expr);
  if (argN) return scope.args[Number(argN[1]) - 1];
  if (expr.startsWith("config.")) return scope.config[expr.slice(7)];
  if (expr.startsWith("vars.")) return scope.vars[expr.slice(5)];
  return scope.vars[expr];
}

function applyModifier(mod: string | undefined, value: string, check?: PathCheck): string {
  if (!mod) return value;
  const kind = mod.slice(0, -1);
  if ((kind === "read" || kind === "write") && check) return check(kind, value);
  return value;
}

/** Renders an argv template: whole-element list values spread, missing whole-element values drop out. */
export function renderArgv(template: string[], scope: TemplateScope, check?: PathCheck): string[] {
  const out: string[] = [];
  for (const el of template) {
    const whole = /^\{\{\s*([a-z]+:)?\s*([A-Za-z0-9_.-]+)\s*\}\}$/.exec(el);
    if (whole) {
      const v = lookup(whole[2]!, scope);
      if (v === undefined || v === null) continue;
      const list = Array.isArray(v) ? v.map(String) : [String(v)];
      for (const item of list) out.push(applyModifier(whole[1], item, check));
      continue;
    }
    out.push(
      el.replace(TOKEN, (_all, mod: string | undefined, expr: string) => {
        const v = lookup(expr, scope);
        const s = v === undefined || v === null ? "" : Array.isArray(v) ? v.join(" ") : String(v);
        return applyModifier(mod, s, check);
      }),
    );
  }
  return out;
}

/** Renders a text template (prompts): lists are joined with ", "; unknown variables become empty. */
export function renderText(text: string, scope: TemplateScope): string {
  return text.replace(TOKEN, (_all, _mod: string | undefined, expr: string) => {
    const v = lookup(expr, scope);
    return v === undefined || v === null ? "" : Array.isArray(v) ? v.join(", ") : String(v);
  });
}

/** Does the text use {{input}} (so the input is not appended again)? */
export function usesInput(text: string): boolean {
  return /\{\{\s*input\s*\}\}/.test(text);
}
