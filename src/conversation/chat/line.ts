/**
 * The plain line-by-line chat, used when standard input is not a terminal (`printf 'hi\n' | pai chat`):
 * each line is a message (or a slash command); each answer is printed as it streams, then a newline.
 * What was learned from earlier exchanges is told on standard error before the next line is handled.
 */
import { createInterface } from "node:readline";
import { safeText } from "../../kernel/terminal.ts";
import type { ChatSession } from "./session.ts";

export async function runLineChat(
  session: ChatSession,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; error: NodeJS.WritableStream; signal?: AbortSignal },
): Promise<{ exchanges: number; interrupted: boolean }> {
  const rl = createInterface({ input: io.input, crlfDelay: Infinity, terminal: false });
  let exchanges = 0;
  let streaming = false;
  // Interrupted while waiting for a line (Ctrl-C at the prompt): stop reading; during an answer, send() stops it.
  const onAbort = () => {
    if (!streaming) rl.close();
  };
  io.signal?.addEventListener("abort", onAbort, { once: true });
  const tellLearned = () => {
    for (const l of session.learned()) io.error.write(`pai: ${safeText(l)}\n`);
  };
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) continue;
      if (io.signal?.aborted) return { exchanges, interrupted: true };
      tellLearned();
      if (line.startsWith("/")) {
        const r = await session.command(line);
        if (r.output) (r.error ? io.error : io.output).write(`${safeText(r.output)}\n`);
        if (r.exit) break;
        continue;
      }
      let last = "\n";
      streaming = true;
      const r = await session.send(line, {
        signal: io.signal,
        onText: (t) => {
          const text = safeText(t);
          io.output.write(text);
          if (text) last = text;
        },
      }).finally(() => (streaming = false));
      if (!last.endsWith("\n")) io.output.write("\n");
      exchanges++;
      if (r.interrupted) return { exchanges, interrupted: true };
    }
  } finally {
    io.signal?.removeEventListener("abort", onAbort);
    rl.close();
  }
  return { exchanges, interrupted: !!io.signal?.aborted };
}
