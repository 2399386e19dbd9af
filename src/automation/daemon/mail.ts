/**
 * Mail triggers: watch an IMAP mailbox (imapflow) for messages newer than the last UID seen, filtered on the
 * sender and subject.
 *
 * A `MailWatcher` keeps one long-lived connection per mail job. Where the server offers IDLE it waits in IDLE
 * and checks as soon as the server reports a new message (`exists`), breaking IDLE every 4 minutes to check
 * that the connection still answers; where it does not, it checks on the job's interval over the same
 * connection (with a NOOP every 4 minutes in between, so a long interval does not get it dropped as idle).
 * Every check reads what is new after the stored UID, so a message that arrived while the connection was down
 * is picked up by the first check after reconnecting. Errors (refused connection, a server that went away, a
 * wrong password) end the connection; it is retried after 1 s, doubling up to 5 minutes (a refused password or
 * a missing password variable waits the 5 minutes at once).
 *
 * The first look at a mailbox only records where it stands (old mail never fires); the last UID and the
 * mailbox's UIDVALIDITY are kept in job_state by the daemon, so a restart resumes where it stopped, and a
 * mailbox rebuilt under a new UIDVALIDITY is looked at afresh.
 *
 * imapflow's auto-IDLE is off (it starts only after 15 s without commands): the watcher issues IDLE itself,
 * and any command it runs next (NOOP, FETCH, LOGOUT) ends IDLE first. Every command is raced against the
 * connection closing, the watcher stopping and a 30 s limit, so nothing waits on a dead connection.
 */
import type { ImapFlow, ImapFlowOptions } from "imapflow";
import type { MailTrigger } from "../jobs/schema.ts";

export interface MailMessage {
  uid: number;
  from: string;
  subject: string;
  date?: string;
}

class MailConfigError extends Error {}

export function mailPassword(t: MailTrigger, env: NodeJS.ProcessEnv = process.env): string {
  const pass = env[t.passwordEnv];
  if (!pass) throw new MailConfigError(`the environment variable ${t.passwordEnv} (the mail password) is not set`);
  return pass;
}

export function matchesFilter(t: MailTrigger, m: { from: string; subject: string }): boolean {
  if (t.from && !m.from.toLowerCase().includes(t.from.toLowerCase())) return false;
  if (t.subject && !m.subject.toLowerCase().includes(t.subject.toLowerCase())) return false;
  return true;
}

function clientOptions(t: MailTrigger, pass: string): ImapFlowOptions {
  return {
    host: t.host,
    port: t.port,
    secure: t.secure,
    auth: { user: t.user, pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    // Above the IDLE renewal below: a watcher always runs a command before the socket has been quiet this long.
    socketTimeout: 10 * 60_000,
  };
}

/** Messages after `afterUid` in the open mailbox (all of them, matching or not), and the highest UID seen. */
async function fetchAfter(client: ImapFlow, afterUid: number): Promise<{ messages: MailMessage[]; maxUid: number }> {
  const messages: MailMessage[] = [];
  let maxUid = afterUid;
  const box = client.mailbox;
  if (!box || typeof box === "boolean" || !box.exists) return { messages, maxUid };
  for await (const msg of client.fetch(`${afterUid + 1}:*`, { uid: true, envelope: true }, { uid: true })) {
    maxUid = Math.max(maxUid, msg.uid);
    if (msg.uid <= afterUid) continue; // "N:*" returns the last message when N is above every UID
    const env0 = msg.envelope;
    const from = (env0?.from ?? []).map((a) => (a.name ? `${a.name} <${a.address ?? ""}>` : (a.address ?? ""))).join(", ");
    messages.push({ uid: msg.uid, from, subject: env0?.subject ?? "", date: env0?.date ? new Date(env0.date).toISOString() : undefined });
  }
  messages.sort((a, b) => a.uid - b.uid);
  return { messages, maxUid };
}

/** Plain words for an imapflow error (no password is ever part of one). */
export function describeMailError(t: MailTrigger, err: unknown): string {
  const e = err as Error & { authenticationFailed?: boolean; responseText?: string; code?: string };
  if (e?.authenticationFailed) return `the server refused the login of ${t.user} (check the password in ${t.passwordEnv})`;
  const msg = e?.message ?? String(err);
  return e?.responseText && !msg.includes(e.responseText) ? `${msg}: ${e.responseText}` : msg;
}

// ---- the long-lived watcher ---------------------------------------------------------------------

export type MailMode = "connecting" | "idle" | "poll" | "retrying" | "stopped";

export interface MailWatcherHooks {
  /** The password, once read: whatever the daemon writes is redacted of it. */
  secret(value: string): void;
  /** Where the mailbox stood when last looked at (job_state). */
  position(): { uid: number | null; uidValidity: string | null };
  /** First look at the mailbox, or it was rebuilt (another UIDVALIDITY): where it stands now. Nothing fires. */
  baseline(uidValidity: string, lastUid: number): void;
  /** A check found messages after the stored UID: the matching ones (oldest first) and the highest UID seen. */
  found(uidValidity: string, messages: MailMessage[], lastUid: number): void;
  /** Connected, mailbox open, watching (again). */
  watching(mode: "idle" | "poll"): void;
  /** The connection failed or was lost (`wasWatching`); it is retried after `retryMs`. */
  failed(info: { message: string; retryMs: number; wasWatching: boolean }): void;
}

export const MAIL_RETRY_FIRST_MS = 1_000;
export const MAIL_RETRY_MAX_MS = 5 * 60_000;
/** In IDLE, how often IDLE is broken to check the connection answers (servers drop IDLE after 30 min, NATs sooner). */
export const MAIL_IDLE_RENEW_MS = 4 * 60_000;
const OP_TIMEOUT_MS = 30_000;
const LOGOUT_MS = 2_000;

class Stopped extends Error {}

interface Session {
  client: ImapFlow;
  closed: boolean;
  reason?: Error;
  ended: Set<(err: Error) => void>;
}

export class MailWatcher {
  private stopped = false;
  private session: Session | undefined;
  private failures = 0;
  /** A check is wanted (a new message was reported, the renewal or poll interval elapsed, or check() asked). */
  private dirty = false;
  private waiters: (() => void)[] = [];
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  mode: MailMode = "connecting";

  constructor(
    readonly trigger: MailTrigger,
    private hooks: MailWatcherHooks,
    private env: NodeJS.ProcessEnv = process.env,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once a check that started after this call has ended (or a connection attempt has failed). */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.wake();
    });
  }

  /** Stops watching: a LOGOUT (at most 2 s) and the connection closed. Resolves when all is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    const s = this.session;
    if (s) for (const f of s.ended) f(new Stopped());
    this.wakeUp?.();
    await this.loop;
    for (const w of this.waiters.splice(0)) w();
    this.mode = "stopped";
  }

  private wake(): void {
    this.dirty = true;
    this.wakeUp?.();
  }

  /** Waits `ms`, or less when woken (stop, a new message, a check asked, the connection closing). */
  private wait(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (elapsed: boolean) => {
        clearTimeout(timer);
        if (this.wakeUp === wake) this.wakeUp = undefined;
        resolve(elapsed);
      };
      const wake = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.wakeUp = wake;
    });
  }

  /** `p`, unless the connection closes, the watcher stops or 30 s pass first. */
  private guard<T>(s: Session, p: Promise<T>, what: string): Promise<T> {
    p.catch(() => {});
    return new Promise<T>((resolve, reject) => {
      const end = (err: Error) => finish(() => reject(err));
      const timer = setTimeout(() => end(new Error(`${what}: no answer from ${this.trigger.host} within ${OP_TIMEOUT_MS / 1000} s`)), OP_TIMEOUT_MS);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        s.ended.delete(end);
        f();
      };
      if (this.stopped) return end(new Stopped());
      if (s.closed) return end(s.reason ?? new Error("the connection closed"));
      s.ended.add(end);
      p.then(
        (v) => finish(() => resolve(v)),
        (err) => finish(() => reject(err)),
      );
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wasWatching = false;
      try {
        await this.connectAndWatch(() => (wasWatching = true));
      } catch (err) {
        if (this.stopped || err instanceof Stopped) break;
        this.failures = wasWatching ? 1 : this.failures + 1;
        const refused = err instanceof MailConfigError || (err as { authenticationFailed?: boolean })?.authenticationFailed === true;
        const retryMs = refused ? MAIL_RETRY_MAX_MS : Math.min(MAIL_RETRY_MAX_MS, MAIL_RETRY_FIRST_MS * 2 ** (this.failures - 1));
        this.mode = "retrying";
        try {
          this.hooks.failed({ message: describeMailError(this.trigger, err), retryMs, wasWatching });
        } catch {}
        for (const w of this.waiters.splice(0)) w();
        this.dirty = false;
        await this.wait(retryMs);
      }
    }
    this.mode = "stopped";
  }

  private async connectAndWatch(onWatching: () => void): Promise<void> {
    this.mode = "connecting";
    const t = this.trigger;
    const { ImapFlow } = await import("imapflow");
    const pass = mailPassword(t, this.env);
    this.hooks.secret(pass);
    const client = new ImapFlow(clientOptions(t, pass));
    const s: Session = { client, closed: false, ended: new Set() };
    let lastError: Error | undefined;
    client.on("error", (err: Error) => (lastError = err));
    client.on("close", () => {
      s.closed = true;
      s.reason = new Error(`the connection to ${t.host} closed${lastError ? ` (${lastError.message})` : ""}`);
      for (const f of s.ended) f(s.reason);
      if (this.session === s) this.wakeUp?.();
    });
    client.on("exists", () => {
      if (this.session === s) this.wake();
    });
    this.session = s;
    try {
      await this.guard(s, client.connect(), "connecting");
      const box = await this.guard(s, client.mailboxOpen(t.mailbox, { readOnly: true }), `opening ${t.mailbox}`);
      const validity = String(box.uidValidity);
      const pos = this.hooks.position();
      if (this.stopped) return;
      if (pos.uid === null || pos.uidValidity !== validity) this.hooks.baseline(validity, Math.max(0, box.uidNext - 1));
      const idle = client.capabilities.has("IDLE");
      this.mode = idle ? "idle" : "poll";
      this.failures = 0;
      onWatching();
      this.hooks.watching(this.mode);
      this.dirty = true; // catch up on what arrived while there was no connection
      // In IDLE a check runs when the server reports new mail, and every few minutes to renew IDLE; without
      // IDLE, on the job's interval (with a NOOP every few minutes in between when the interval is longer, so
      // the connection is not dropped as idle).
      const every = idle ? MAIL_IDLE_RENEW_MS : t.intervalMs;
      let due = 0;
      for (;;) {
        if (this.stopped) return;
        if (s.closed) throw s.reason;
        if (this.dirty || this.waiters.length || Date.now() >= due) {
          this.dirty = false;
          const waiters = this.waiters.splice(0);
          try {
            await this.checkOnce(s, validity);
          } finally {
            for (const w of waiters) w();
          }
          due = Date.now() + every;
          continue;
        }
        // The server reports new mail during IDLE (`exists` wakes the wait); the next command ends IDLE.
        if (idle) void client.idle().catch(() => {});
        if (await this.wait(Math.min(due - Date.now(), MAIL_IDLE_RENEW_MS)) && Date.now() < due) {
          await this.guard(s, client.noop(), "NOOP");
        }
      }
    } finally {
      if (this.session === s) this.session = undefined;
      if (this.stopped && client.usable && !s.closed) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([client.logout().catch(() => {}), new Promise((r) => (timer = setTimeout(r, LOGOUT_MS)))]);
        clearTimeout(timer);
      }
      client.close();
    }
  }

  private async checkOnce(s: Session, validity: string): Promise<void> {
    // NOOP lets the server report what changed (without IDLE, nothing is reported otherwise).
    await this.guard(s, s.client.noop(), "NOOP");
    const pos = this.hooks.position();
    if (this.stopped || pos.uid === null || pos.uidValidity !== validity) return;
    const { messages, maxUid } = await this.guard(s, fetchAfter(s.client, pos.uid), "fetching new messages");
    if (this.stopped) return;
    if (maxUid > pos.uid) this.hooks.found(validity, messages.filter((m) => matchesFilter(this.trigger, m)), maxUid);
  }
}
