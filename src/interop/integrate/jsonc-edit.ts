/**
 * Edits a JSON (or JSONC: comments allowed) settings text in place: each change replaces, inserts or removes
 * exactly the bytes of the entry it is about, so everything else (comments, spacing, inline arrays, number
 * literals such as `1.0` or `12345678901234567890`, key order) stays byte for byte as it was.
 *
 * jsonc-parser finds the nodes; the text of an inserted entry is written here, in the file's own indentation
 * and line endings (jsonc-parser's own `modify` reformats the lines around an insertion, the user's included).
 */
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import type { Json, TextStyle } from "./settings-file.ts";

export type Segment = string | number;
export type JsonPath = Segment[];

export class JsoncSyntaxError extends Error {}

/** Parses a JSONC text whose top level is an object; throws JsoncSyntaxError (with a line number) otherwise. */
export function parseObject(text: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false, allowEmptyContent: false });
  if (errors.length) {
    const e = errors[0]!;
    const line = text.slice(0, e.offset).split("\n").length;
    throw new JsoncSyntaxError(`line ${line}: ${printParseErrorCode(e.error)}`);
  }
  if (!root || root.type !== "object") throw new JsoncSyntaxError("the top level is not an object");
  return root;
}

export class JsoncDocument {
  text: string;
  private tree: Node;
  private readonly unit: string;
  private readonly eol: string;
  private readonly spaced: boolean;

  constructor(text: string, style: TextStyle) {
    this.text = text;
    this.tree = parseObject(text);
    this.unit = style.indent;
    this.eol = style.eol;
    this.spaced = style.indent !== "" || /"\s*:\s/.test(text);
  }

  private node(path: JsonPath): Node | undefined {
    return path.length === 0 ? this.tree : findNodeAtLocation(this.tree, path);
  }

  has(path: JsonPath): boolean {
    return this.node(path) !== undefined;
  }

  get(path: JsonPath): Json | undefined {
    const n = this.node(path);
    return n === undefined ? undefined : (getNodeValue(n) as Json);
  }

  /** Number of members of the object or array at `path` (0 when it is missing or not a container). */
  size(path: JsonPath): number {
    const n = this.node(path);
    return n && (n.type === "object" || n.type === "array") ? (n.children?.length ?? 0) : 0;
  }

  /** Sets the value at `path` (an object key or an existing array index); missing objects on the way are created. */
  set(path: JsonPath, value: Json): void {
    const existing = this.node(path);
    if (existing) {
      const member = existing.parent?.type === "property" ? existing.parent : existing;
      this.replace(existing.offset, existing.length, this.render(value, this.lineIndent(member.offset), this.isMultiline(existing.parent ?? existing)));
      return;
    }
    const key = path[path.length - 1]!;
    const parentPath = path.slice(0, -1);
    const parent = this.node(parentPath);
    if (!parent) {
      this.set(parentPath, typeof key === "number" ? [value] : { [key]: value });
      return;
    }
    if (parent.type !== "object" || typeof key !== "string") throw new Error(`cannot set ${JSON.stringify(path)}`);
    this.insertMember(parent, (indent, multi) => `${JSON.stringify(key)}${this.spaced ? ": " : ":"}${this.render(value, indent, multi)}`);
  }

  /** Appends `value` to the array at `path` (created, with the objects on the way, when missing). */
  append(path: JsonPath, value: Json): void {
    const arr = this.node(path);
    if (!arr) return this.set(path, [value]);
    if (arr.type !== "array") throw new Error(`not an array: ${JSON.stringify(path)}`);
    this.insertMember(arr, (indent, multi) => this.render(value, indent, multi));
  }

  /** Removes the member at `path` (an object key or array index) with its separator; nothing when missing. */
  remove(path: JsonPath): void {
    const n = this.node(path);
    if (!n || path.length === 0) return;
    const member = n.parent?.type === "property" ? n.parent : n;
    const container = member.parent!;
    const siblings = container.children!;
    const i = siblings.indexOf(member);
    if (siblings.length === 1) {
      const inner = this.text.slice(container.offset + 1, container.offset + container.length - 1);
      const from = container.offset + 1;
      // Keep a comment the user wrote inside; drop only the member.
      if (/\/[/*]/.test(inner.replace(this.text.slice(member.offset, member.offset + member.length), ""))) this.replace(member.offset, member.length, "");
      else this.replace(from, inner.length, "");
    } else if (i > 0) {
      // The separator after the previous member and the member with the blank before it; comments stay.
      const prev = siblings[i - 1]!;
      const comma = this.commaAfter(prev.offset + prev.length);
      let start = member.offset;
      while (start > comma + 1 && /\s/.test(this.text[start - 1]!)) start--;
      this.text = this.text.slice(0, start) + this.text.slice(member.offset + member.length);
      this.replace(comma, 1, "");
    } else {
      const next = siblings[1]!;
      let end = this.commaAfter(member.offset + member.length) + 1;
      while (end < next.offset && /\s/.test(this.text[end]!)) end++;
      this.replace(member.offset, end - member.offset, "");
    }
  }

  /** The offset of the comma that follows `from`, past blanks and comments. */
  private commaAfter(from: number): number {
    let i = from;
    while (i < this.text.length) {
      const c = this.text[i]!;
      if (c === ",") return i;
      if (this.text.startsWith("//", i)) i = this.text.indexOf("\n", i) < 0 ? this.text.length : this.text.indexOf("\n", i);
      else if (this.text.startsWith("/*", i)) i = this.text.indexOf("*/", i + 2) + 2;
      else i++;
    }
    throw new Error("no separator found");
  }

  private replace(offset: number, length: number, content: string): void {
    this.text = this.text.slice(0, offset) + content + this.text.slice(offset + length);
    this.tree = parseObject(this.text);
  }

  /** The whitespace at the start of the line that holds `offset`. */
  private lineIndent(offset: number): string {
    const start = this.text.lastIndexOf("\n", offset - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(start))![0];
  }

  private isMultiline(n: Node): boolean {
    return this.text.slice(n.offset, n.offset + n.length).includes("\n");
  }

  /** A value's text: pretty, in the file's indent unit, for a multi-line place; on one line otherwise. */
  private render(value: Json, indent: string, multi: boolean): string {
    if (!multi || this.unit === "") return inline(value, this.spaced);
    return JSON.stringify(value, null, this.unit).split("\n").join(this.eol + indent);
  }

  /** Inserts a member at the end of an object or array, after any comment that ends it, in its layout. */
  private insertMember(container: Node, member: (indent: string, multi: boolean) => string): void {
    const open = container.offset;
    const close = container.offset + container.length - 1;
    const children = container.children ?? [];
    const base = this.lineIndent(open);
    const multi = this.isMultiline(container) || (children.length === 0 && this.unit !== "");
    if (children.length === 0) {
      const inner = this.text.slice(open + 1, close);
      const indent = base + this.unit;
      const body = multi ? `${this.eol}${indent}${member(indent, true)}${this.eol}${base}` : member(indent, false);
      if (inner.trim() === "") this.replace(open + 1, inner.length, body);
      else this.replace(close, 0, multi ? `${this.eol}${indent}${member(indent, true)}${this.eol}${base}` : member(indent, false));
      return;
    }
    const last = children[children.length - 1]!;
    const lastEnd = last.offset + last.length;
    let at = close;
    while (at > lastEnd && /\s/.test(this.text[at - 1]!)) at--;
    const lastStartsLine = /^[ \t]*$/.test(this.text.slice(this.text.lastIndexOf("\n", last.offset - 1) + 1, last.offset));
    const indent = lastStartsLine ? this.lineIndent(last.offset) : base + this.unit;
    const text = multi ? `${this.eol}${indent}${member(indent, true)}` : `${this.spaced ? " " : ""}${member(indent, false)}`;
    // The later insertion first, so the earlier offset stays right.
    this.text = this.text.slice(0, at) + text + this.text.slice(at);
    this.text = `${this.text.slice(0, lastEnd)},${this.text.slice(lastEnd)}`;
    this.tree = parseObject(this.text);
  }
}

/** JSON on one line, with `, ` and `: ` when the file is written that way. */
function inline(value: Json, spaced: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, spaced)).join(spaced ? ", " : ",")}]`;
  if (value !== null && typeof value === "object") {
    const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${spaced ? ": " : ":"}${inline(v, spaced)}`);
    return spaced && parts.length ? `{ ${parts.join(", ")} }` : `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}
