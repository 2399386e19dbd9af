/**
 * The Ink chat screen: finished messages in <Static> (written once, never redrawn), the live answer as it
 * streams, a status line, and an input line with history (up/down). Ctrl-C or Esc stops a streaming answer;
 * Ctrl-C on an empty input, Ctrl-D or /exit leaves (Ctrl-D during an answer: once it is stored).
 *
 * The screen wraps text itself (wrap.ts). While an answer streams, each of its rows goes to <Static> as soon as
 * it is complete, so the live part is only the row being written, the status line and the input: it never
 * grows taller than the terminal (Ink would then clear the whole screen and scrollback on every chunk).
 */
import { Box, Static, Text, useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { PaiError } from "../../kernel/errors.ts";
import type { ChatSession, ChatStatus } from "./session.ts";
import { clean, wrap, wrapRows } from "./wrap.ts";

export interface Entry {
  id: number;
  role: "user" | "assistant" | "part" | "note" | "error";
  /** The text as written (for "part", the rows of an answer still streaming, with the breaks after them). */
  text: string;
  /** The rows as wrapped when the entry was added. */
  rows: string[];
}

const shown = (text: string) => text.replace(/ *\n?$/, "");

/**
 * The transcript wrapped again for a new width: the parts of each answer (written row by row while it
 * streamed) become one entry again, so its paragraphs wrap as a whole.
 */
export function rewrapEntries(entries: Entry[], width: number): Entry[] {
  const out: Entry[] = [];
  let parts: Entry[] = [];
  const merge = (end?: Entry) => {
    if (!parts.length && !end) return;
    const first = parts[0] ?? end!;
    const text = parts.map((p) => p.text).join("") + (end?.text ?? "");
    out.push({ id: first.id, role: end ? end.role : "part", text, rows: wrap(shown(text), width) });
    parts = [];
  };
  for (const e of entries) {
    if (e.role === "part") parts.push(e);
    else if (e.role === "assistant") merge(e);
    else {
      merge();
      out.push({ ...e, rows: wrap(e.text, width) });
    }
  }
  merge();
  return out;
}

/** An error as one line, its hint pointing at the slash commands rather than the command-line options. */
export function errorLine(err: unknown): string {
  const text =
    err instanceof PaiError ? (err.hint ? `${err.message} — ${err.hint}` : err.message) : String((err as Error)?.message ?? err);
  return text.replace(/--backend (ollama|anthropic)\b/g, "/backend $1").replace(/--model\b/g, "/model").replace(/\s*\n\s*/g, " ");
}

export function statusText(s: ChatStatus | null, streaming: boolean): string {
  if (!s) return "…";
  const mem = `${s.memories} ${s.memories === 1 ? "memory" : "memories"} (${s.hot} hot)`;
  return [s.backend, s.model, mem, ...(s.incognito ? ["incognito"] : []), streaming ? "Ctrl-C stops" : "/help"].join(" · ");
}

export interface InputRow {
  /** Row 0 starts with the prompt "› ". */
  first: boolean;
  before: string;
  /** The character under the cursor (a space at the end), or undefined on rows without the cursor. */
  at?: string;
  after: string;
}

/**
 * The input line as shown: "› " and the text wrapped to the width, the cursor at `at` (an index in the text),
 * at most `maxRows` rows (the ones around the cursor, the last ones by preference).
 */
export function inputRows(text: string, at: number, columns: number, maxRows: number): InputRow[] {
  const s = `› ${text} `;
  const rows = wrapRows(s, columns);
  const starts = rows.map((_, k) => (k === 0 ? 0 : rows[k - 1]!.next));
  const c = 2 + Math.max(0, Math.min(at, text.length));
  let k = 0;
  while (k + 1 < rows.length && starts[k + 1]! <= c) k++;
  const from = Math.max(0, Math.min(rows.length - maxRows, k));
  return rows.slice(from, from + Math.max(1, maxRows)).map((r, j) => {
    const i = from + j;
    if (i !== k) return { first: i === 0, before: r.text, after: "" };
    const col = Math.min(c - starts[i]!, r.text.length);
    const ch = String.fromCodePoint(r.text.codePointAt(col) ?? 32);
    return { first: i === 0, before: r.text.slice(0, col), at: ch, after: r.text.slice(col + ch.length) };
  });
}

/** The index one character (code point) before or after i in s. */
const prevChar = (s: string, i: number) => (i > 1 && /[\uDC00-\uDFFF]/.test(s[i - 1]!) ? i - 2 : Math.max(0, i - 1));
const nextChar = (s: string, i: number) => (i < s.length && /[\uD800-\uDBFF]/.test(s[i]!) ? i + 2 : Math.min(s.length, i + 1));

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

export function ChatScreen({ session, onExit }: { session: ChatSession; onExit?: (code: number) => void }) {
  const { exit } = useApp();
  const { columns, rows: screenRows } = useTerminalSize();
  const width = useRef(columns);
  width.current = columns;
  const [entries, setEntries] = useState<Entry[]>([]);
  // The input (its text and the cursor's place in it) also lives in a ref: keys can arrive faster than renders
  // (paste, fast typing), and each key must see what the previous one left, not what the last render showed.
  const [edit, setEditState] = useState({ text: "", at: 0 });
  const editRef = useRef({ text: "", at: 0 });
  const setEdit = useCallback((e: { text: string; at: number }) => {
    editRef.current = e;
    setEditState(e);
  }, []);
  const setInput = useCallback((text: string) => setEdit({ text, at: text.length }), [setEdit]);
  const [live, setLive] = useState<string | null>(null);
  const [status, setStatus] = useState<ChatStatus | null>(null);
  const past = useRef<string[]>([]);
  const recall = useRef<number>(-1); // which earlier input Up/Down show, -1 for none
  const nextId = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const busy = useRef(false);
  // Ctrl-D pressed while an answer streams: leave once it is finished and stored.
  const leaveAfter = useRef(false);
  const queue = useRef<Promise<void>>(Promise.resolve());

  const addRows = useCallback((role: Entry["role"], text: string, rows: string[]) => {
    setEntries((e) => [...e, { id: nextId.current++, role, text, rows }]);
  }, []);
  const add = useCallback((role: Entry["role"], text: string) => addRows(role, text, wrap(text, width.current)), [addRows]);

  // A new width: after a pause, the screen and its scrollback are cleared and the transcript is written again,
  // wrapped for the new width (the terminal may have reflowed or cut what was on it).
  const { stdout } = useStdout();
  const [epoch, setEpoch] = useState(0);
  const drawnWidth = useRef(columns);
  useEffect(() => {
    if (columns === drawnWidth.current) return;
    const t = setTimeout(() => {
      drawnWidth.current = columns;
      stdout.write("\u001B[2J\u001B[3J\u001B[H");
      setEntries((e) => rewrapEntries(e, columns));
      setEpoch((n) => n + 1);
    }, 150);
    return () => clearTimeout(t);
  }, [columns, stdout]);
  const refresh = useCallback(async () => setStatus(await session.status()), [session]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Leaving: the live part (status and input) is cleared first, so the terminal keeps only the transcript.
  const [leaving, setLeaving] = useState(false);
  const leave = useCallback(
    (code = 0) => {
      onExit?.(code);
      setLeaving(true);
    },
    [onExit],
  );
  useEffect(() => {
    if (leaving) exit();
  }, [leaving, exit]);

  const submit = useCallback(
    async (line: string) => {
      const text = line.trim();
      if (!text) return;
      past.current.push(text);
      recall.current = -1;
      busy.current = true;
      try {
        // What was learned from earlier exchanges, before this message.
        for (const l of session.learned()) add("note", clean(l));
        add("user", `› ${text}`);
        if (text.startsWith("/")) {
          let r: Awaited<ReturnType<ChatSession["command"]>>;
          try {
            r = await session.command(text);
          } catch (err) {
            r = { output: errorLine(err), error: true };
          }
          if (r.exit) return leave(0);
          if (r.output) add(r.error ? "error" : "note", clean(r.output));
          await refresh();
          return;
        }
        const ctrl = new AbortController();
        abort.current = ctrl;
        setLive("");
        // The answer so far as it came (raw) and cleaned (acc: cleaned whole, so that a "\r\n" or an escape
        // sequence split between chunks is handled as one); `done` is where its rows not yet in <Static> begin.
        let raw = "";
        let acc = "";
        let done = 0;
        const flush = () => {
          // Trailing spaces are left out: the next word decides where they break.
          const rows = wrapRows(acc.slice(done).replace(/ +$/, ""), width.current);
          if (rows.length > 1) {
            const end = done + rows[rows.length - 2]!.next;
            addRows("part", acc.slice(done, end), rows.slice(0, -1).map((r) => r.text));
            done = end;
          }
          setLive(acc.slice(done));
        };
        const finish = (suffix: string[]) => {
          const text = acc.slice(done).replace(/\s+$/, "");
          const rest = text ? wrap(text, width.current) : [];
          // Always an entry, even with no rows left: its margin is the blank line after the answer.
          addRows("assistant", text + suffix.map((l) => `\n${l}`).join(""), [...rest, ...suffix]);
        };
        try {
          const r = await session.send(text, {
            signal: ctrl.signal,
            onText: (t) => {
              raw += t;
              acc = clean(raw);
              flush();
            },
          });
          if (!acc && r.answer) acc = clean(r.answer);
          finish(r.interrupted ? ["[interrupted]"] : []);
        } catch (err) {
          if (acc) finish(["[interrupted]"]);
          add("error", errorLine(err));
        } finally {
          abort.current = null;
          setLive(null);
          await refresh();
        }
      } finally {
        busy.current = false;
        if (leaveAfter.current) leave(0);
      }
    },
    [add, addRows, leave, refresh, session],
  );

  /** Lines are sent one after the other, each once the previous one is answered. */
  const enqueue = useCallback(
    (lines: string[]) => {
      queue.current = queue.current.then(async () => {
        for (const l of lines) await submit(l);
      });
    },
    [submit],
  );

  useInput((ch, key) => {
    const { text: input, at } = editRef.current;
    if (key.ctrl && ch === "c") {
      if (abort.current) abort.current.abort();
      else if (input) setInput("");
      else if (!busy.current) leave(0);
      return;
    }
    if (key.escape) {
      abort.current?.abort();
      return;
    }
    if (key.ctrl && ch === "d") {
      if (input) return;
      if (busy.current) leaveAfter.current = true;
      else leave(0);
      return;
    }
    if (key.return) {
      // While an answer streams, Enter waits: the text stays in the input until it can be sent.
      if (busy.current) return;
      setInput("");
      enqueue([input]);
      return;
    }
    if (key.upArrow) {
      const h = past.current;
      if (!h.length) return;
      recall.current = recall.current === -1 ? h.length - 1 : Math.max(0, recall.current - 1);
      setInput(h[recall.current]!);
      return;
    }
    if (key.downArrow) {
      const h = past.current;
      if (recall.current === -1) return;
      recall.current += 1;
      if (recall.current >= h.length) {
        recall.current = -1;
        setInput("");
      } else setInput(h[recall.current]!);
      return;
    }
    if (key.backspace || key.delete) {
      // Terminals send DEL (0x7f) for the Backspace key, which Ink reports as delete: both erase to the left.
      const p = prevChar(input, at);
      setEdit({ text: input.slice(0, p) + input.slice(at), at: p });
      return;
    }
    if (key.leftArrow) return setEdit({ text: input, at: prevChar(input, at) });
    if (key.rightArrow) return setEdit({ text: input, at: nextChar(input, at) });
    if (key.home || (key.ctrl && ch === "a")) return setEdit({ text: input, at: 0 });
    if (key.end || (key.ctrl && ch === "e")) return setEdit({ text: input, at: input.length });
    if (key.ctrl && ch === "u") return setInput("");
    if (key.ctrl && ch === "w") {
      const p = input.slice(0, at).replace(/\S+\s*$|\s+$/, "").length;
      setEdit({ text: input.slice(0, p) + input.slice(at), at: p });
      return;
    }
    if (key.ctrl || key.meta || key.tab) return;
    if (!ch) return;
    // Pasted text (or keys that arrived together) may hold line ends: each completed line is sent in turn.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters typed with text are dropped
    const typed = ch.replace(/\t/g, " ").replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");
    const parts = typed.split(/\r\n|\r|\n/);
    if (parts.length === 1) return setEdit({ text: input.slice(0, at) + typed + input.slice(at), at: at + typed.length });
    const lines = [input.slice(0, at) + parts[0], ...parts.slice(1, -1)];
    setInput(parts[parts.length - 1]! + input.slice(at));
    enqueue(lines);
  });

  // The live part must stay shorter than the terminal: a long input shows only the rows around the cursor.
  const shownInput = inputRows(edit.text, edit.at, columns, Math.max(1, screenRows - 4));
  return (
    <>
      <Static key={epoch} items={entries}>
        {(e) => (
          <Box key={e.id} flexDirection="column" marginBottom={e.role === "assistant" ? 1 : 0}>
            <Text color={e.role === "user" ? "cyan" : e.role === "error" ? "red" : undefined} dimColor={e.role === "note"}>
              {e.rows.map((r) => r || " ").join("\n")}
            </Text>
          </Box>
        )}
      </Static>
      {!leaving && (
        <>
          {live !== null && (
            <Box marginBottom={1}>
              <Text>{live ? wrap(live, columns).slice(-3).join("\n") || " " : "…"}</Text>
            </Box>
          )}
          <Text dimColor wrap="truncate-end">
            {statusText(status, live !== null)}
          </Text>
          <Box flexDirection="column">
            {shownInput.map((row, i) => (
              <Text key={i} wrap="truncate-end">
                {row.first ? <Text color="cyan">{"› "}</Text> : null}
                {row.first ? row.before.slice(2) : row.before}
                {row.at !== undefined ? <Text inverse>{row.at}</Text> : null}
                {row.after}
              </Text>
            ))}
          </Box>
        </>
      )}
    </>
  );
}

/** Renders the screen on the terminal and resolves with the exit code when the user leaves. */
export async function runScreen(session: ChatSession): Promise<number> {
  const { render } = await import("ink");
  // A terminal that reports no size (a pseudo-terminal nobody sized): Ink would take a height of 0 as a full
  // screen and clear it on every render. Assume the usual 80x24 until a resize says otherwise.
  const out = process.stdout as NodeJS.WriteStream;
  if (!out.rows) out.rows = 24;
  if (!out.columns) out.columns = 80;
  let code = 0;
  const app = render(<ChatScreen session={session} onExit={(c) => (code = c)} />, { exitOnCtrlC: false });
  await app.waitUntilExit();
  return code;
}
