/**
 * The Ink chat screen: finished messages in <Static> (written once, never redrawn), the live answer as it
 * streams, a status line, and an input line with history (up/down). Ctrl-C or Esc stops a streaming answer;
 * Ctrl-C on an empty input, Ctrl-D or /exit leaves.
 *
 * The screen wraps text itself (wrap.ts). While an answer streams, each of its rows goes to <Static> as soon as
 * it is complete, so the live part is only the row being written, the status line and the input: it never
 * grows taller than the terminal (Ink would then clear the whole screen and scrollback on every chunk).
 */
import { Box, Static, Text, useApp, useInput, useStdout } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { PaiError } from "../errors.ts";
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
  const [input, setInputState] = useState("");
  // The input also lives in a ref: keys can arrive faster than renders (paste, fast typing), and each key
  // must see the text the previous one left, not the text of the last render.
  const inputRef = useRef("");
  const setInput = useCallback((v: string | ((s: string) => string)) => {
    inputRef.current = typeof v === "function" ? v(inputRef.current) : v;
    setInputState(inputRef.current);
  }, []);
  const [live, setLive] = useState<string | null>(null);
  const [status, setStatus] = useState<ChatStatus | null>(null);
  const past = useRef<string[]>([]);
  const cursor = useRef<number>(-1);
  const nextId = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const busy = useRef(false);
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
      cursor.current = -1;
      busy.current = true;
      try {
        add("user", `› ${text}`);
        if (text.startsWith("/")) {
          let r: Awaited<ReturnType<ChatSession["command"]>>;
          try {
            r = await session.command(text);
          } catch (err) {
            r = { output: errorLine(err), error: true };
          }
          if (r.exit) return leave(0);
          if (r.output) add(r.error ? "error" : "note", r.output);
          await refresh();
          return;
        }
        const ctrl = new AbortController();
        abort.current = ctrl;
        setLive("");
        // The answer so far, cleaned; `done` is where its rows not yet written to <Static> begin.
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
              acc += clean(t);
              flush();
            },
          });
          if (!acc && r.answer) acc = clean(r.answer);
          finish(r.interrupted ? ["[interrupted]"] : []);
          if (r.learned?.length) add("note", `learned ${r.learned.length} item(s): ${r.learned.map((i) => `mem:${i}`).join(", ")}`);
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
    const input = inputRef.current;
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
      if (!input && !busy.current) leave(0);
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
      cursor.current = cursor.current === -1 ? h.length - 1 : Math.max(0, cursor.current - 1);
      setInput(h[cursor.current]!);
      return;
    }
    if (key.downArrow) {
      const h = past.current;
      if (cursor.current === -1) return;
      cursor.current += 1;
      if (cursor.current >= h.length) {
        cursor.current = -1;
        setInput("");
      } else setInput(h[cursor.current]!);
      return;
    }
    if (key.backspace || key.delete) {
      setInput((s) => [...s].slice(0, -1).join(""));
      return;
    }
    if (key.ctrl && ch === "u") {
      setInput("");
      return;
    }
    if (key.ctrl || key.meta || key.tab) return;
    if (!ch) return;
    // Pasted text (or keys that arrived together) may hold line ends: each completed line is sent in turn.
    const parts = ch.replace(/\t/g, " ").split(/\r\n|\r|\n/);
    if (parts.length === 1) return setInput((s) => s + ch.replace(/\t/g, " "));
    const lines = [inputRef.current + parts[0], ...parts.slice(1, -1)];
    setInput(parts[parts.length - 1]!);
    enqueue(lines);
  });

  // The live part must stay shorter than the terminal: the input shows its last rows only.
  const inputRows = wrap(`› ${input} `, columns);
  const shownInput = inputRows.slice(-Math.max(1, screenRows - 4));
  const lastInput = shownInput.length - 1;
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
            {shownInput.map((row, i) => {
              // The block cursor takes the last column of the last row (the space added above).
              const cursorHere = i === lastInput;
              const body = cursorHere ? row.slice(0, -1) : row;
              const isPrompt = i === 0 && shownInput.length === inputRows.length;
              return (
                <Text key={i} wrap="truncate-end">
                  {isPrompt ? <Text color="cyan">{"› "}</Text> : null}
                  {isPrompt ? body.slice(2) : body}
                  {cursorHere ? <Text inverse> </Text> : null}
                </Text>
              );
            })}
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
