/**
 * Text helpers of the memory store: normalisation and hashing for duplicate detection, query tokenisation
 * that never lets user text reach FTS5's query syntax, and the date words indexed beside each item.
 */
import { STOP_WORDS } from "../kernel/text.ts";
import { MONTHS, WEEKDAYS } from "../kernel/calendar.ts";
import { canonical, daysSince1970 } from "./dates.ts";

export { STOP_WORDS };

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** Lower case, accents removed, every run of non-letters/digits collapsed to one space. */
export function normalise(text: string): string {
  // ASCII text (most of it) needs no folding, and its letters and digits are a-z and 0-9 once lower-cased.
  if (ASCII.test(text)) return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * A 53-bit hash (cyrb53) of the normalised text: an INTEGER column, so a small index and an exact match for
 * "same text modulo case, accents, punctuation and spacing". Plain JavaScript, identical under Bun and Node.
 */
export function contentHash(text: string): number {
  // ASCII: the normalised text (lower-case words of a-z and 0-9, one space between them) hashed as it is read,
  // without being built. A character that is not ASCII sends the text to normalise.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let words = false;
  let gap = false;
  for (let i = 0; i < text.length; i++) {
    let ch = text.charCodeAt(i);
    if (ch >= 128) return cyrb53(normalise(text) || text.trim());
    if (ch >= 65 && ch <= 90) ch += 32;
    if (!((ch >= 97 && ch <= 122) || (ch >= 48 && ch <= 57))) {
      gap = words;
      continue;
    }
    if (gap) {
      h1 = Math.imul(h1 ^ 32, 2654435761);
      h2 = Math.imul(h2 ^ 32, 1597334677);
      gap = false;
    }
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
    words = true;
  }
  return words ? finish(h1, h2) : cyrb53(text.trim());
}

function cyrb53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finish(h1, h2);
}

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Word tokens as FTS5's unicode61 tokenizer sees them (lower case, accents removed). */
export function tokens(text: string): string[] {
  const n = normalise(text);
  return n ? n.split(" ") : [];
}


/** Distinct search terms of a query: stop words dropped (unless nothing else is left), at most `max`. */
export function queryTerms(query: string, max = 32): string[] {
  const all = tokens(query).filter((t) => t.length > 0);
  const content = all.filter((t) => !STOP_WORDS.has(t) && (t.length > 1 || /\d/.test(t)));
  const chosen = content.length ? content : all;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of chosen) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Adjacent pairs of content words in the query ("support group" in "the LGBTQ support group"), searched as
 * phrases beside the single terms so items holding the same phrase rank higher.
 */
export function queryPhrases(query: string, max = 8): string[] {
  const all = tokens(query);
  const out: string[] = [];
  for (let i = 0; i + 1 < all.length && out.length < max; i++) {
    const a = all[i]!;
    const b = all[i + 1]!;
    if (STOP_WORDS.has(a) || STOP_WORDS.has(b) || a.length < 2 || b.length < 2) continue;
    const p = `${a} ${b}`;
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * An FTS5 MATCH expression built only from quoted tokens: `"lyon" OR "march"`. Tokens hold only letters and
 * digits, so no operator, column filter, NEAR, `*` or quote can come from user text.
 */
export function matchExpression(terms: string[], op: "OR" | "AND" = "OR"): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(` ${op} `);
}


/**
 * Words for a date ("8 may 2023 monday"), indexed beside the content so "in May 2023" style queries match.
 * Must equal the generated column memory_items.context (see schema.ts) for every stored date (UTC, years
 * 1-9999): a test checks both on many dates.
 */
export function dateWords(iso: string): string {
  // The canonical form the store keeps (YYYY-MM-DDTHH:MM:SS.mmmZ, every field checked) is read field by field: no
  // Date per item written.
  if (iso.length === 24 && canonical(iso)) return canonicalDateWords(iso);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, "0")} ${WEEKDAYS[d.getUTCDay()]}`;
}

/**
 * dateWords of a date known to be canonical (as toIso gives it), read without checking it again. The words of
 * recent days are kept: items written together are mostly of a few days.
 */
export function canonicalDateWords(iso: string): string {
  if (lastDay !== "" && iso.startsWith(lastDay)) return lastWords;
  const key = iso.slice(0, 10);
  let words = DAY_WORDS.get(key);
  if (words === undefined) {
    const y = Number(iso.slice(0, 4));
    const m = Number(iso.slice(5, 7));
    const day = Number(iso.slice(8, 10));
    words = `${day} ${MONTHS[m - 1]} ${iso.slice(0, 4)} ${WEEKDAYS[weekday(y, m, day)]}`;
    if (DAY_WORDS.size >= DAY_WORDS_MAX) DAY_WORDS.clear();
    DAY_WORDS.set(key, words);
  }
  lastDay = key;
  lastWords = words;
  return words;
}

/** The words of the days seen lately (emptied when it holds DAY_WORDS_MAX: some 10 years of days). */
const DAY_WORDS = new Map<string, string>();
/** The day asked last (YYYY-MM-DD) and its words: items written together mostly come day by day. */
let lastDay = "";
let lastWords = "";
const DAY_WORDS_MAX = 4096;

/** The day of the week (0 = Sunday) of a day of the proleptic Gregorian calendar. */
function weekday(y: number, m: number, d: number): number {
  // 1970-01-01 was a Thursday.
  return (((daysSince1970(y, m, d) + 4) % 7) + 7) % 7;
}

/** Word bigrams of a normalised text, for near-duplicate detection. */
export function bigrams(text: string): Set<string> {
  const t = tokens(text);
  const out = new Set<string>();
  if (t.length === 1) out.add(t[0]!);
  for (let i = 0; i + 1 < t.length; i++) out.add(`${t[i]} ${t[i + 1]}`);
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
