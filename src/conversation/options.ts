/**
 * What `pai ask` takes besides the question: model options (`-o key=value`) and attached files (`-a FILE`).
 * Options are checked here, once, in the user's words (Ollama's names); each backend sends those it has.
 * A text file is inlined in the message with its name; an image goes as an image part; anything else is refused.
 */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { UsageError } from "../kernel/errors.ts";
import type { BackendName, ImagePart, Sampling } from "../models/types.ts";

/** The options a user may set, their kind and range. */
const OPTIONS: Record<string, { whole?: boolean; min: number; max?: number; field: keyof Sampling | "temperature" | "maxTokens" }> = {
  temperature: { min: 0, max: 2, field: "temperature" },
  top_p: { min: 0, max: 1, field: "topP" },
  top_k: { whole: true, min: 1, field: "topK" },
  min_p: { min: 0, max: 1, field: "minP" },
  seed: { whole: true, min: 0, field: "seed" },
  repeat_penalty: { min: 0, field: "repeatPenalty" },
  num_ctx: { whole: true, min: 1, field: "contextTokens" },
  max_tokens: { whole: true, min: 1, field: "maxTokens" },
};

/** The option names, as `pai ask --help` and the error lines list them. */
export const OPTION_NAMES = Object.keys(OPTIONS);

/** Options the Anthropic Messages API has no parameter for. */
const NOT_ANTHROPIC = new Set(["min_p", "seed", "repeat_penalty", "num_ctx"]);

export interface ModelOptions {
  temperature?: number;
  maxTokens?: number;
  sampling: Sampling;
  /** The names given, in order (for telling which ones a backend does not take). */
  names: string[];
}

/** Parses `-o key=value` pairs; an unknown key or a value out of range is a one-line usage error. */
export function parseModelOptions(pairs: string[]): ModelOptions {
  const out: ModelOptions = { sampling: {}, names: [] };
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase().replace(/-/g, "_");
    const spec = OPTIONS[key];
    if (!spec) throw new UsageError(`unknown model option '${key}'`, { hint: `use one of: ${OPTION_NAMES.join(", ")} (e.g. -o temperature=0.2)` });
    const raw = eq < 0 ? "" : pair.slice(eq + 1).trim();
    const n = raw === "" ? Number.NaN : Number(raw);
    const range = spec.max !== undefined ? `from ${spec.min} to ${spec.max}` : `of at least ${spec.min}`;
    const what = spec.whole ? "a whole number" : "a number";
    if (!Number.isFinite(n) || (spec.whole && !Number.isInteger(n)) || n < spec.min || (spec.max !== undefined && n > spec.max))
      throw new UsageError(`invalid -o ${key} '${raw}'`, { hint: `give ${what} ${range} (e.g. -o ${key}=${spec.whole ? Math.max(1, spec.min) : spec.max ?? 1})` });
    if (spec.field === "temperature") out.temperature = n;
    else if (spec.field === "maxTokens") out.maxTokens = n;
    else out.sampling[spec.field] = n;
    if (!out.names.includes(key)) out.names.push(key);
  }
  return out;
}

/** The options a backend has no parameter for (they are not sent to it). */
export function optionsNotSent(o: ModelOptions | undefined, backend: BackendName): string[] {
  return backend === "anthropic" ? (o?.names ?? []).filter((k) => NOT_ANTHROPIC.has(k)) : [];
}

export interface Attachment {
  name: string;
  /** A text file's content, inlined in the message. */
  text?: string;
  image?: ImagePart;
}

/** The largest image (the Anthropic API takes up to 5 MB per image) and the largest text file. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_TEXT_BYTES = 1024 * 1024;

function imageType(b: Buffer): string | undefined {
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1"))) return "image/gif";
  if (b.length >= 12 && b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  return undefined;
}

function isText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Reads the attached files: a missing, unreadable, binary or oversized one is refused in one line. */
export function readAttachments(files: string[]): Attachment[] {
  return files.map((file) => {
    let st;
    try {
      st = statSync(file);
    } catch {
      throw new UsageError(`no file '${file}' to attach`, { hint: "check the path given to -a" });
    }
    if (!st.isFile()) throw new UsageError(`'${file}' is not a file`, { hint: "-a takes a text file or an image" });
    const bytes = readFileSync(file);
    const name = basename(file);
    const media = imageType(bytes);
    if (media) {
      if (bytes.length > MAX_IMAGE_BYTES) throw new UsageError(`the image '${file}' is over 5 MB`, { hint: "attach a smaller image" });
      return { name, image: { mediaType: media, data: bytes.toString("base64") } };
    }
    if (!isText(bytes)) throw new UsageError(`'${file}' is a binary file, neither text nor an image`, { hint: "attach text files or PNG, JPEG, GIF or WebP images" });
    if (bytes.length > MAX_TEXT_BYTES) throw new UsageError(`'${file}' is over 1 MB`, { hint: "attach a smaller part of it" });
    return { name, text: bytes.toString("utf8") };
  });
}

/** The message sent: the question, then each text file with its name in a fence longer than any inside it. */
export function messageWithAttachments(question: string, attachments: Attachment[]): string {
  const parts = [question];
  for (const a of attachments) {
    if (a.text === undefined) continue;
    const longest = Math.max(2, ...(a.text.match(/`+/g) ?? []).map((f) => f.length));
    const fence = "`".repeat(longest + 1);
    parts.push(`Attached file ${a.name}:\n${fence}\n${a.text.replace(/\n$/, "")}\n${fence}`);
  }
  return parts.join("\n\n");
}

/** What the stored exchange says of the attachments: their names, not their content. */
export function attachmentNote(attachments: Attachment[]): string {
  return attachments.length ? `\n[attached: ${attachments.map((a) => a.name).join(", ")}]` : "";
}
