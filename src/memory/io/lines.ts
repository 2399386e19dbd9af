/**
 * The lines of an import: a byte stream split at \n or \r\n, a chunk's worth at a time, never holding a line
 * longer than the limit.
 */

/** The longest import line (1 MiB); a longer one is reported and skipped without being read into memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** One line of a stream: its text, or (when longer than the limit) only its length in bytes. */
export type JsonLine = { line: number; text: string; bytes?: undefined } | { line: number; text?: undefined; bytes: number };

/**
 * Splits a byte stream into lines (\n or \r\n), giving the lines that end in each chunk together. The whole
 * lines of a chunk are decoded as one string and split (a UTF-8 sequence never holds the byte of \n); only a
 * line that spans chunks is gathered piece by piece. A line longer than maxBytes is never held whole: its
 * bytes are counted and dropped, and it comes out as `{ line, bytes }`.
 */
export async function* splitLineBatches(input: AsyncIterable<Buffer | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<JsonLine[]> {
  // The start of a line that spans chunks.
  let parts: Buffer[] = [];
  let size = 0;
  let lineNo = 0;
  const gather = (chunk: Buffer, start: number, end: number) => {
    if (end <= start) return;
    if (size + (end - start) <= maxBytes) parts.push(chunk.subarray(start, end));
    else parts = [];
    size += end - start;
  };
  const finish = (): JsonLine => {
    lineNo++;
    let out: JsonLine;
    if (size > maxBytes) out = { line: lineNo, bytes: size };
    else {
      let text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString("utf8");
      if (text.endsWith("\r")) text = text.slice(0, -1);
      out = { line: lineNo, text };
    }
    parts = [];
    size = 0;
    return out;
  };
  for await (const piece of input) {
    const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    const first = chunk.indexOf(10);
    if (first === -1) {
      gather(chunk, 0, chunk.length);
      continue;
    }
    gather(chunk, 0, first);
    const out: JsonLine[] = [finish()];
    const last = chunk.lastIndexOf(10);
    if (last > first) {
      for (let text of chunk.toString("utf8", first + 1, last).split("\n")) {
        lineNo++;
        // A UTF-16 unit is at most 3 bytes of UTF-8: most lines need no count.
        if (text.length * 3 > maxBytes) {
          const bytes = Buffer.byteLength(text, "utf8");
          if (bytes > maxBytes) {
            out.push({ line: lineNo, bytes });
            continue;
          }
        }
        if (text.endsWith("\r")) text = text.slice(0, -1);
        out.push({ line: lineNo, text });
      }
    }
    gather(chunk, last + 1, chunk.length);
    yield out;
  }
  if (size > 0) yield [finish()];
}
