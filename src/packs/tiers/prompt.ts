/**
 * The prompt tier: a Markdown prompt rendered with the input and sent, with the user's context, to the model.
 * An input that names a URL or a file is fetched (through the guarded fetch) or read (within the grants).
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import type { Secrets } from "../../kernel/secrets.ts";
import { modelBackend, userContext } from "../external.ts";
import { expandPath } from "../grants.ts";
import { htmlToText } from "../html.ts";
import { parseFrontMatter, type PackCommand } from "../manifest/index.ts";
import { checkRead } from "../permissions.ts";
import { assertUnchanged, scopeOf, type Prepared, type RunOptions, type TierInput, type TierOutput } from "../prepare.ts";
import { guardedFetch } from "../sandbox.ts";
import { renderText, usesInput } from "../template.ts";

/** Is `file` inside user/ (where everything personal lives)? Symbolic links are resolved on both sides. */
function insideUser(prep: Prepared, file: string): boolean {
  const real = (f: string) => {
    try {
      return realpathSync(f);
    } catch {
      return resolve(f);
    }
  };
  const user = real(prep.p.user);
  const target = real(file);
  return target === user || target.startsWith(user + sep);
}

/** For prompt commands with input "url-or-file": the content of the URL (through the guarded fetch) or file. */
async function loadInput(prep: Prepared, spec: string, maxChars: number, signal?: AbortSignal, cloud = false): Promise<{ text: string; source: string }> {
  const s = spec.trim();
  if (!s) throw new UserError(`${prep.guard.pack}:${prep.guard.command} needs a URL or a file`, { hint: `e.g. pai run ${prep.guard.pack}:${prep.guard.command} https://example.com/article` });
  let text: string;
  if (/^https?:\/\//i.test(s)) {
    const res = await guardedFetch(prep.guard, signal)(s);
    if (!res.ok) throw new UserError(`fetching ${s} failed: HTTP ${res.status}`, { hint: "check the URL" });
    const body = await res.text();
    text = /html/i.test(res.headers.get("content-type") ?? "") || /^\s*<(!doctype|html)/i.test(body) ? htmlToText(body) : body;
  } else {
    const file = checkRead(prep.guard, expandPath(s, { home: prep.p.home }));
    if (!existsSync(file)) throw new UserError(`no file at ${file}`, { hint: "give a URL or the path of a readable file" });
    if (cloud && insideUser(prep, file)) {
      throw new UserError(`${prep.guard.pack}:${prep.guard.command}: ${file} is under user/, which is never sent to a cloud model`, {
        hint: "use a local model (--backend ollama), or copy what you mean to share to a file outside user/",
      });
    }
    text = readFileSync(file, "utf8");
  }
  return { text: text.length > maxChars ? `${text.slice(0, maxChars)}\n[…truncated]` : text, source: s };
}

export async function runPrompt(prep: Prepared, cmd: Extract<PackCommand, { tier: "prompt" }>, input: TierInput, opts: RunOptions, secrets: Secrets): Promise<TierOutput> {
  const backend = await modelBackend({ purpose: "prompt", backend: opts.backend, model: opts.model, config: prep.config, db: opts.db, secrets, pack: prep.guard.pack, origin: opts.origin, incognito: opts.incognito });
  let text = input.text;
  const vars = { ...input.vars };
  if (cmd.input === "url-or-file") {
    const loaded = await loadInput(prep, text, cmd.maxInputChars, opts.signal, backend.audience === "cloud");
    text = loaded.text;
    vars.source = loaded.source;
  }
  const promptFile = resolve(prep.manifest.dir, cmd.prompt);
  if (!text.trim() && (cmd.inputRequired || !usesInput(readFileSync(promptFile, "utf8")))) throw new UserError(`${prep.guard.pack}:${prep.guard.command} needs some input`, { hint: `give it text: pai run ${prep.guard.pack}:${prep.guard.command} "…" (or pipe it with -)` });
  assertUnchanged(prep, promptFile);
  const template = parseFrontMatter(readFileSync(promptFile, "utf8"), promptFile).content;
  const scope = { ...scopeOf(prep, { ...input, text }), vars };
  const rendered = renderText(template, scope).trim();
  const context = await userContext({ query: text.slice(0, 500), audience: backend.audience, config: prep.config, db: opts.db, paths: prep.p });
  let system: string;
  let user: string;
  if (usesInput(template)) {
    system = context ? `# CONTEXT ABOUT THE USER\n\n${context}` : "";
    user = rendered;
  } else {
    system = `${rendered}${context ? `\n\n# CONTEXT ABOUT THE USER\n\n${context}` : ""}`;
    user = text;
  }
  if (backend.audience === "cloud") {
    system = secrets.redact(system);
    user = secrets.redact(user);
  }
  let out = "";
  for await (const ev of backend.chat({ purpose: "prompt", system: system || undefined, messages: [{ role: "user", content: user }], signal: opts.signal })) {
    if (ev.type === "text") {
      out += ev.text;
      opts.onText?.(ev.text);
    }
  }
  return { output: out.trim(), data: { backend: backend.name, source: vars.source } };
}
