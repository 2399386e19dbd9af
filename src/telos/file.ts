/**
 * Reading one Telos file: never a FIFO, device or oversized file, never blocking; invalid UTF-8 is reported
 * with its line; front matter and items are parsed, and every problem is collected instead of thrown.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { join, relative } from "node:path";
import { fileKind } from "../kernel/fs.ts";
import type { Paths, TelosFile } from "../kernel/paths.ts";
import { parseItems } from "./body.ts";
import { parseTelosText } from "./frontmatter.ts";
import type { TelosDoc, TelosProblem } from "./types.ts";

/** Absolute path of a Telos file (or preferences.md). */
export function telosPath(name: TelosFile | "preferences", p: Paths): string {
  return name === "preferences" ? p.preferences : join(p.telos, `${name}.md`);
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let n = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    if (i + n >= buf.length) return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

interface LoadedDoc {
  doc: TelosDoc;
  problems: TelosProblem[];
  /** Whether the file exists. */
  exists: boolean;
}

function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A Telos file larger than this is not read (it is meant to be a page of markdown). */
const TELOS_MAX_BYTES = 4 * 1024 * 1024;

/** Loads one file; never throws for its content. */
export function loadTelosFile(name: TelosFile | "preferences", p: Paths): LoadedDoc {
  const path = telosPath(name, p);
  const file = relative(p.home, path).split("\\").join("/");
  const problems: TelosProblem[] = [];
  const empty: TelosDoc = { name, path, title: titleCase(name), visibility: "private", items: [], body: "", mtimeMs: 0 };
  let buf: Buffer;
  let mtimeMs = 0;
  try {
    const st = statSync(path);
    // A FIFO, socket or device (or a link to one) is never opened: reading it could block or never end.
    if (!st.isFile()) {
      problems.push({ file, line: 1, message: `is ${fileKind(st)}, not a plain file; skipped — replace it with a markdown file`, severity: "warning" });
      return { doc: empty, problems, exists: false };
    }
    if (st.size > TELOS_MAX_BYTES) {
      problems.push({ file, line: 1, message: `is ${Math.round(st.size / 1048576)} MiB, over the ${TELOS_MAX_BYTES / 1048576} MiB a Telos file may have; skipped`, severity: "warning" });
      return { doc: empty, problems, exists: false };
    }
    mtimeMs = st.mtimeMs;
    // Opened without blocking and checked again on the open file, so a swap after the check above is caught too.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) {
        problems.push({ file, line: 1, message: `is ${fileKind(opened)}, not a plain file; skipped — replace it with a markdown file`, severity: "warning" });
        return { doc: empty, problems, exists: false };
      }
      buf = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      problems.push({ file, line: 1, message: "missing — run 'pai init' to add it from the template", severity: "warning" });
    } else {
      problems.push({ file, line: 1, message: `cannot be read (${code ?? (err as Error).message})`, severity: "error" });
    }
    return { doc: empty, problems, exists: false };
  }
  let text: string;
  if (isUtf8(buf)) {
    text = buf.toString("utf8");
  } else {
    const at = firstInvalidUtf8(buf);
    problems.push({
      file,
      line: at < 0 ? 1 : lineAt(buf, at),
      message: "not valid UTF-8 — re-save it as UTF-8 (invalid bytes read as \uFFFD)",
      severity: "error",
    });
    text = new TextDecoder("utf-8").decode(buf);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const parsed = parseTelosText(text);
  for (const pr of parsed.problems) problems.push({ file, ...pr });
  const fm = parsed.frontMatter;
  const doc: TelosDoc = {
    name,
    path,
    title: fm.title ?? titleCase(name),
    updated: fm.updated,
    visibility: fm.visibility,
    items: [],
    body: parsed.body,
    mtimeMs,
  };
  if (name !== "preferences") parseItems(doc, name, file, parsed.bodyStartLine, problems);
  return { doc, problems, exists: true };
}
