/**
 * The date in every request: a decorator that ends the system prompt of each chat request with one line
 * saying what day and time it is where the user is ("Today is Friday 4 December 2026, 21:40 Europe/Paris
 * (UTC+01:00)."), so "today", "tomorrow", "this week" and "plan my week" mean something to the model, for
 * every purpose (answers, extraction, packs, jobs). The zone is the machine's (TZ, else the system's), the
 * same local time the context's time windows use. The line goes last so the rest of the prompt stays a
 * stable prefix for a backend's prompt cache.
 */
import { MONTHS, WEEKDAYS } from "../kernel/calendar.ts";
import { BackendDecorator } from "./decorator.ts";
import type { ChatEvent, ChatRequest, ModelBackend } from "./types.ts";

const title = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const two = (n: number) => String(n).padStart(2, "0");

/** The machine's time zone name ("Europe/Paris"), or "local time" when the runtime does not know it. */
export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  } catch {
    return "local time";
  }
}

/** The offset of local time from UTC at `d`, as "UTC+01:00". */
export function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `UTC${sign}${two(Math.floor(a / 60))}:${two(a % 60)}`;
}

/** "Today is Friday 4 December 2026, 21:40 Europe/Paris (UTC+01:00)." in the machine's local time. */
export function todayLine(now: Date = new Date()): string {
  const day = `${title(WEEKDAYS[now.getDay()]!)} ${now.getDate()} ${title(MONTHS[now.getMonth()]!)} ${now.getFullYear()}`;
  return `Today is ${day}, ${two(now.getHours())}:${two(now.getMinutes())} ${localZone()} (${utcOffset(now)}).`;
}

/** The request with the date line at the end of its system prompt (or as the system prompt). */
export function withDate(req: ChatRequest, now: Date): ChatRequest {
  const line = todayLine(now);
  const system = req.system?.trimEnd() ? `${req.system.trimEnd()}\n\n${line}` : line;
  return { ...req, system };
}

export class DatedRequests extends BackendDecorator {
  constructor(
    inner: ModelBackend,
    private readonly now: () => Date = () => new Date(),
  ) {
    super(inner);
  }

  chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    return this.inner.chat(withDate(req, this.now()));
  }
}
