/**
 * The Ink chat screen: finished messages in <Static> (written once, never redrawn), the live answer as it
 * streams, a status line, and an input line with history (up/down). Ctrl-C or Esc stops a streaming answer;
 * Ctrl-C on an empty input, Ctrl-D or /exit leaves.
 */
import { Box, Static, Text, useApp, useInput } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import { PaiError } from "../errors.ts";
import type { ChatSession, ChatStatus } from "./session.ts";

export interface Entry {
  id: number;
  role: "user" | "assistant" | "note" | "error";
  text: string;
}

export function ChatScreen({ session, onExit }: { session: ChatSession; onExit?: (code: number) => void }) {
  const { exit } = useApp();
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

  const add = useCallback((role: Entry["role"], text: string) => {
    setEntries((e) => [...e, { id: nextId.current++, role, text }]);
  }, []);
  const refresh = useCallback(async () => setStatus(await session.status()), [session]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const leave = useCallback(
    (code = 0) => {
      onExit?.(code);
      exit();
    },
    [exit, onExit],
  );

  const submit = useCallback(
    async (line: string) => {
      const text = line.trim();
      if (!text) return;
      past.current.push(text);
      cursor.current = -1;
      if (text.startsWith("/")) {
        add("user", text);
        const r = await session.command(text);
        if (r.exit) return leave(0);
        if (r.output) add(r.error ? "error" : "note", r.output);
        await refresh();
        return;
      }
      add("user", text);
      const ctrl = new AbortController();
      abort.current = ctrl;
      setLive("");
      let acc = "";
      try {
        const r = await session.send(text, {
          signal: ctrl.signal,
          onText: (t) => {
            acc += t;
            setLive(acc);
          },
        });
        add("assistant", r.answer + (r.interrupted ? "\n[interrupted]" : ""));
        if (r.learned?.length) add("note", `learned ${r.learned.length} item(s): ${r.learned.map((i) => `mem:${i}`).join(", ")}`);
      } catch (err) {
        if (acc) add("assistant", acc);
        add("error", err instanceof PaiError ? (err.hint ? `${err.message} — ${err.hint}` : err.message) : String((err as Error)?.message ?? err));
      } finally {
        abort.current = null;
        setLive(null);
        await refresh();
      }
    },
    [add, leave, refresh, session],
  );

  useInput((ch, key) => {
    const input = inputRef.current;
    if (key.ctrl && ch === "c") {
      if (abort.current) abort.current.abort();
      else if (input) setInput("");
      else leave(0);
      return;
    }
    if (key.escape) {
      abort.current?.abort();
      return;
    }
    if (key.ctrl && ch === "d") {
      if (!input && !abort.current) leave(0);
      return;
    }
    if (abort.current) return; // typing waits until the answer is done
    if (key.return) {
      const line = input;
      setInput("");
      void submit(line);
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
      setInput((s) => s.slice(0, -1));
      return;
    }
    if (key.ctrl || key.meta || key.tab) return;
    if (!ch) return;
    // Pasted text (or keys that arrived together) may hold line ends: each completed line is sent in turn.
    const parts = ch.split(/\r\n|\r|\n/);
    if (parts.length === 1) return setInput((s) => s + ch);
    const lines = [inputRef.current + parts[0], ...parts.slice(1, -1)];
    setInput(parts[parts.length - 1]!);
    void (async () => {
      for (const l of lines) await submit(l);
    })();
  });

  return (
    <>
      <Static items={entries}>
        {(e) => (
          <Box key={e.id} flexDirection="column" marginBottom={e.role === "assistant" ? 1 : 0}>
            {e.role === "user" ? (
              <Text color="cyan">{`› ${e.text}`}</Text>
            ) : e.role === "assistant" ? (
              <Text>{e.text}</Text>
            ) : e.role === "error" ? (
              <Text color="red">{e.text}</Text>
            ) : (
              <Text dimColor>{e.text}</Text>
            )}
          </Box>
        )}
      </Static>
      {live !== null && (
        <Box marginBottom={1}>
          <Text>{live || "…"}</Text>
        </Box>
      )}
      <Box>
        <Text dimColor>
          {status
            ? `${status.backend} · ${status.model} · ${status.memories} memories (${status.hot} hot)${status.incognito ? " · incognito" : ""} · /help`
            : "…"}
        </Text>
      </Box>
      <Box>
        <Text color="cyan">{"› "}</Text>
        <Text>{input}</Text>
        {live === null && <Text inverse> </Text>}
      </Box>
    </>
  );
}

/** Renders the screen on the terminal and resolves with the exit code when the user leaves. */
export async function runScreen(session: ChatSession): Promise<number> {
  const { render } = await import("ink");
  let code = 0;
  const app = render(<ChatScreen session={session} onExit={(c) => (code = c)} />, { exitOnCtrlC: false });
  await app.waitUntilExit();
  return code;
}
