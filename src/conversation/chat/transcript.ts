/** A chat conversation written as Markdown (chat's /save FILE; /save! FILE overwrites). */
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UserError } from "../../kernel/errors.ts";
import type { ChatMessage } from "../../models/types.ts";

export interface TranscriptHead {
  id: string;
  backend: string;
  model: string;
  now?: Date;
}

/** The conversation as Markdown: a title, then each message under "## You" or "## pai". */
export function transcriptMarkdown(history: ChatMessage[], head: TranscriptHead): string {
  const when = (head.now ?? new Date()).toISOString().slice(0, 16).replace("T", " ");
  const out = [`# pai chat ${head.id}`, "", `Saved ${when} UTC · ${head.backend} (${head.model})`];
  for (const m of history) {
    if (m.role !== "user" && m.role !== "assistant") continue;
    out.push("", m.role === "user" ? "## You" : "## pai", "", m.content.trim() || "(no answer)");
  }
  return `${out.join("\n")}\n`;
}

/** Writes the transcript to FILE (~ is the home folder); an existing file is kept unless `overwrite`. */
export function saveTranscript(file: string, markdown: string, overwrite: boolean): string {
  const path = resolve(file.replace(/^~(?=$|\/)/, homedir()));
  try {
    writeFileSync(path, markdown, { flag: overwrite ? "w" : "wx" });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EEXIST") throw new UserError(`${file} exists`, { hint: `/save! ${file} overwrites it` });
    if (code === "ENOENT") throw new UserError(`cannot write ${file}: no such folder`, { hint: "give a path in an existing folder" });
    if (code === "EISDIR") throw new UserError(`${file} is a folder`, { hint: "give a file name, e.g. /save chat.md" });
    throw new UserError(`cannot write ${file}: ${(err as Error).message}`, { hint: "give another path" });
  }
  return path;
}
