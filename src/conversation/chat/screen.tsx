/**
 * The Ink chat screen: finished messages in <Static> (written once, never redrawn, not even on a resize), the
 * live answer as it streams (Markdown rendered), a spinner while nothing shows yet, a status line, and the
 * input with history (Up/Down, kept across runs in user/chat_history). Enter sends; Alt-Enter (or Shift-Enter
 * where the terminal tells it apart) adds a line; a paste is one message; Ctrl-G edits the input in $EDITOR.
 * Ctrl-C or Esc stops a streaming answer; Ctrl-C on an empty input, Ctrl-D or /exit leaves (Ctrl-D during an
 * answer: once it is stored).
 *
 * The live part stays much shorter than the terminal: Ink clears the whole screen and its scrollback once the
 * live part is as tall as the terminal. A finished line of the answer goes to <Static> at once (answer.ts).
 */
import { Box, Static, Text, useApp, useInput, useStdin, useStdout } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { AnswerRows, earlierEntries } from "./answer.ts";
import { appendHistory, readHistory } from "./history.ts";
import { inputRows, moveLine, nextChar, pastedText, prevChar, SHIFT_ENTER, submitted } from "./input.ts";
import type { ChatSession, ChatStatus } from "./session.ts";
import { errorLine, statusText } from "./status.ts";
import { clean, wrap } from "./wrap.ts";

export { inputRows, type InputRow } from "./input.ts";
export { errorLine, statusText } from "./status.ts";

export interface Entry {
  id: number;
  role: "user" | "assistant" | "part" | "note" | "error";
  /** The text as written (for "part", the rows of an answer still streaming, with the breaks after them). */
  text: string;
  /** The rows as wrapped when the entry was added. */
  rows: string[];
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  // screenRows: the real height, where runScreen hands Ink a taller one (see there).
  const read = () => ({ columns: stdout.columns || 80, rows: (stdout as { screenRows?: number }).screenRows || stdout.rows || 24 });
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

const SPIN = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface ChatScreenProps {
  session: ChatSession;
  onExit?: (code: number) => void;
  /** Where earlier inputs are kept across runs (nothing is written while the session is incognito). */
  historyFile?: string;
  /** Colours in rendered answers (false: the same layout, plain). */
  color?: boolean;
  /** Edits the input in the user's editor (Ctrl-G): the new text, or undefined to keep the input as it was. */
  edit?: (text: string) => string | undefined;
}

export function ChatScreen({ session, onExit, historyFile, color = false, edit: editor }: ChatScreenProps) {
  const { exit } = useApp();
  const { columns, rows: screenRows } = useTerminalSize();
  const width = useRef(columns);
  width.current = columns;
  const heightRef = useRef(screenRows);
  const inputHeight = useRef(1);
  heightRef.current = screenRows;
  // A conversation taken up again (--continue, --resume) starts with its earlier exchanges in view.
  const [entries, setEntries] = useState<Entry[]>(() => earlierEntries(session.history, columns, color));
  // The input (its text and the cursor's place in it) also lives in a ref: keys can arrive faster than renders
  // (paste, fast typing), and each key must see what the previous one left, not what the last render showed.
  const [edit, setEditState] = useState({ text: "", at: 0 });
  const editRef = useRef({ text: "", at: 0 });
  const setEdit = useCallback((e: { text: string; at: number }) => {
    editRef.current = e;
    setEditState(e);
  }, []);
  const setInput = useCallback((text: string) => setEdit({ text, at: text.length }), [setEdit]);
  const insert = useCallback(
    (t: string) => {
      const { text, at } = editRef.current;
      setEdit({ text: text.slice(0, at) + t + text.slice(at), at: at + t.length });
    },
    [setEdit],
  );
  /** The live rows of the answer being written (null: no answer under way). */
  const [live, setLive] = useState<string[] | null>(null);
  const [status, setStatus] = useState<ChatStatus | null>(null);
  const past = useRef<string[]>(historyFile ? readHistory(historyFile) : []);
  const recall = useRef<number>(-1); // which earlier input Up/Down show, -1 for none
  const nextId = useRef(0);
  const abort = useRef<AbortController | null>(null);
  const busy = useRef(false);
  // When the last piece of a bracketed paste came (0: not in a paste).
  const pasting = useRef(0);
  // Ctrl-D pressed while an answer streams: leave once it is finished and stored.
  const leaveAfter = useRef(false);
  const queue = useRef<Promise<void>>(Promise.resolve());
  // The spinner: shown while an answer is under way and nothing new came for a moment (before the first
  // words, and while the answer is stored once written).
  const lastText = useRef(0);
  const [tick, setTick] = useState(0);
  const waiting = live !== null && (live.length === 0 || Date.now() - lastText.current > 400);
  useEffect(() => {
    if (live === null) return;
    const t = setInterval(() => setTick((n) => n + 1), 100);
    return () => clearInterval(t);
  }, [live === null]);

  const addRows = useCallback((role: Entry["role"], text: string, rows: string[]) => {
    setEntries((e) => [...e, { id: nextId.current++, role, text, rows }]);
  }, []);
  const add = useCallback((role: Entry["role"], text: string) => addRows(role, text, wrap(text, width.current)), [addRows]);

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
      const text = submitted(line);
      if (!text.trim()) return;
      if (historyFile && !session.incognito) appendHistory(historyFile, text, past.current);
      if (past.current[past.current.length - 1] !== text) past.current.push(text);
      recall.current = -1;
      busy.current = true;
      try {
        // What was learned from earlier exchanges, before this message.
        for (const l of session.learned()) add("note", clean(l));
        add("user", text.split("\n").map((l, i) => (i ? "  " : "› ") + l).join("\n"));
        if (text.startsWith("/")) {
          let r: Awaited<ReturnType<ChatSession["command"]>>;
          try {
            r = await session.command(text);
          } catch (err) {
            r = { output: errorLine(err), error: true };
          }
          if (r.exit) return leave(0);
          // A new conversation: what is above stays in the scrollback, below a rule that marks the change.
          if (r.clear) add("note", "─".repeat(Math.max(1, Math.min(width.current, 60))));
          if (r.output) add(r.error ? "error" : "note", clean(r.output));
          await refresh();
          return;
        }
        const ctrl = new AbortController();
        abort.current = ctrl;
        setLive([]);
        // Rows of the answer beyond what fits live go to <Static>: the status, the input and a margin stay.
        const answer = new AnswerRows(width.current, color, () => Math.min(12, heightRef.current - 6 - inputHeight.current));
        const finish = (suffix: string[]) => {
          const rest = answer.finish();
          // Always an entry, even with no rows left: its margin is the blank line after the answer.
          addRows("assistant", rest.text + suffix.map((l) => `\n${l}`).join(""), [...rest.rows, ...suffix]);
        };
        try {
          const r = await session.send(text, {
            signal: ctrl.signal,
            onText: (t) => {
              lastText.current = Date.now();
              const { final, live: rows } = answer.push(t);
              for (const f of final) addRows("part", f.text, f.rows);
              setLive(rows);
            },
          });
          if (!answer.text && r.answer) answer.push(r.answer);
          finish(r.interrupted ? ["[interrupted]"] : []);
        } catch (err) {
          if (answer.text) finish(["[interrupted]"]);
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
    [add, addRows, leave, refresh, session, historyFile, color],
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

  // The sequence each key came as, seen before useInput's handler: Ink reports Alt-Enter (ESC CR) as Enter.
  const { internal_eventEmitter: keys } = useStdin();
  const rawKey = useRef("");
  useEffect(() => {
    const onKey = (data: string) => void (rawKey.current = data);
    keys.prependListener("input", onKey);
    return () => void keys.off("input", onKey);
  }, [keys]);

  useInput((ch, key) => {
    const { text: input, at } = editRef.current;
    // A bracketed paste: everything up to its end is text, line ends included.
    if (ch === "[200~") return void (pasting.current = Date.now());
    if (ch === "[201~") return void (pasting.current = 0);
    // A paste arrives at once: one whose end marker never came is over after a second without a piece of it.
    if (pasting.current && Date.now() - pasting.current < 1000) {
      pasting.current = Date.now();
      const t = key.return ? "\n" : key.tab ? "    " : pastedText(ch);
      if (t) insert(t);
      return;
    }
    if (key.ctrl && ch === "c") {
      if (abort.current) abort.current.abort();
      else if (input) setInput("");
      else if (!busy.current) leave(0);
      return;
    }
    if ((key.return && (key.meta || key.shift || rawKey.current === "\u001B\r")) || SHIFT_ENTER.has(ch)) return insert("\n");
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
    if (key.ctrl && ch === "g") {
      if (!editor) return;
      const t = editor(input);
      setTick((n) => n + 1);
      if (t !== undefined) setInput(t);
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
      const up = moveLine(input, at, -1);
      if (up !== undefined && recall.current === -1) return setEdit({ text: input, at: up });
      const h = past.current;
      if (!h.length) return;
      recall.current = recall.current === -1 ? h.length - 1 : Math.max(0, recall.current - 1);
      setInput(h[recall.current]!);
      return;
    }
    if (key.downArrow) {
      const down = moveLine(input, at, 1);
      if (down !== undefined && recall.current === -1) return setEdit({ text: input, at: down });
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
    // Keys that arrived together with line ends (a paste on a terminal without bracketed paste): each
    // completed line is sent in turn.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters typed with text are dropped
    const typed = ch.replace(/\t/g, " ").replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");
    const parts = typed.split(/\r\n|\r|\n/);
    if (parts.length === 1) return insert(typed);
    const lines = [input.slice(0, at) + parts[0], ...parts.slice(1, -1)];
    setInput(parts[parts.length - 1]! + input.slice(at));
    enqueue(lines);
  });

  // The live part must stay well shorter than the terminal: a long input shows only the rows around the cursor.
  const shownInput = inputRows(edit.text, edit.at, columns, Math.max(1, Math.min(10, screenRows - 6)));
  inputHeight.current = shownInput.length;
  const model = status?.model ?? session.model;
  return (
    <>
      <Static items={entries}>
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
          {live !== null && (live.length > 0 || waiting) && (
            <Box marginBottom={1} flexDirection="column">
              {live.length > 0 && <Text>{live.map((r) => r || " ").join("\n")}</Text>}
              {waiting && (
                <Text dimColor wrap="truncate-end">
                  {`${SPIN[tick % SPIN.length]} thinking… (${model})`}
                </Text>
              )}
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
export async function runScreen(session: ChatSession, opts: { historyFile?: string } = {}): Promise<number> {
  const { holdKeys, leaveModes, editText } = await import("./tty.ts");
  // Raw mode before anything slow: keys typed from now on wait for the input, unechoed.
  holdKeys();
  const { render } = await import("ink");
  const { paths } = await import("../../kernel/paths.ts");
  const { join } = await import("node:path");
  // A terminal that reports no size (a pseudo-terminal nobody sized): Ink would take a height of 0 as a full
  // screen and clear it on every render. Assume the usual 80x24 until a resize says otherwise.
  const out = process.stdout as NodeJS.WriteStream;
  if (!out.rows) out.rows = 24;
  if (!out.columns) out.columns = 80;
  const color = !process.env.NO_COLOR && process.env.TERM !== "dumb";
  let code = 0;
  // Ink clears the screen and the scrollback (ESC[2J ESC[3J) when its live part was as tall as the terminal,
  // which a terminal made shorter can cause. The screen keeps its live part short by itself; Ink is told the
  // terminal is taller than it is, so that it never clears, even then (the screen reads the real height).
  const inkOut = new Proxy(out, {
    get(target, key) {
      if (key === "rows") return Math.max(target.rows || 24, 1000);
      if (key === "screenRows") return target.rows || 24;
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const app = render(
    <ChatScreen
      session={session}
      onExit={(c) => (code = c)}
      historyFile={opts.historyFile ?? join(paths().user, "chat_history")}
      color={color}
      edit={(t) => editText(t)}
    />,
    { exitOnCtrlC: false, stdout: inkOut },
  );
  try {
    await app.waitUntilExit();
  } finally {
    leaveModes();
  }
  return code;
}
