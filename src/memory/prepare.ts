/**
 * Making an item ready to store: checked, its secrets redacted out of every field, its hash and date words computed.
 * Nothing here needs the database, so an import prepares its lines on another thread while this one writes
 * (io/prepare-thread.ts).
 */
import { UserError } from "../kernel/errors.ts";
import { redactDeep, redactSecrets } from "../kernel/redact.ts";
import { uuid7 } from "../kernel/uuid.ts";
import { toIso } from "./dates.ts";
import { checkKind } from "./rows.ts";
import { canonicalDateWords, contentHash } from "./text.ts";
import type { Prepared, RememberInput } from "./types.ts";

/** Checks an input and makes it ready to store (see Prepared); throws a UserError saying what is wrong. */
export function prepareInput(input: RememberInput): Prepared {
  if (typeof input.content !== "string" || !input.content.trim()) {
    throw new UserError("a memory needs some content", { hint: "pass the text to remember" });
  }
  const kind = checkKind(input.kind ?? "note");
  const red = redactSecrets(input.content.trim());
  const content = red.text;
  const createdAt = input.createdAt !== undefined ? toIso(input.createdAt, "created_at") : undefined;
  const visibility = input.visibility ?? "private";
  if (visibility !== "private" && visibility !== "shareable") {
    throw new UserError(`unknown visibility '${String(visibility)}'`, { hint: "use private or shareable" });
  }
  const importance = input.importance ?? 0.5;
  if (!(importance >= 0 && importance <= 1)) throw new UserError(`importance must be between 0 and 1 (got ${importance})`);
  // Secrets are kept out of every stored field, not only the content: source and meta too (redactDeep copies).
  let metaJson: string | null = null;
  if (input.meta || red.redacted) {
    const meta: Record<string, unknown> = input.meta ? redactDeep(input.meta) : {};
    if (red.redacted) meta.redactedKinds = red.kinds;
    for (const _ in meta) {
      metaJson = JSON.stringify(meta);
      break;
    }
  }
  return {
    content,
    kind,
    createdAt,
    // toIso gives the canonical form: its words are read without checking it again.
    dateWords: createdAt !== undefined ? canonicalDateWords(createdAt) : undefined,
    hash: contentHash(content),
    pinned: input.pinned === true,
    visibility,
    importance,
    source: input.source != null ? redactSecrets(input.source).text : null,
    meta: metaJson,
    redacted: red.redacted,
    flagged: red.redacted || input.redacted === true,
    derived: input.derivedFrom?.length ? [...new Set(input.derivedFrom)] : NO_IDS,
    supersedes: input.supersedes,
    thread: input.thread,
    // A new global id now (on the thread that prepares an import), not when the item is written.
    gid: input.gid ?? uuid7(),
  };
}

/** The links of an item that has none (shared: never written to). */
export const NO_IDS: readonly number[] = [];
