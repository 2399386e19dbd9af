/**
 * Mailboxes: one long-lived IMAP connection per mail job (see ../mail.ts), which fires the job once per new
 * matching message, and the pack hooks on mail.received with it. Where each mailbox stands (its last UID and
 * UIDVALIDITY) is kept in job_state. A dropped connection is logged; a failing one is audited once, until it
 * recovers.
 */
import { appendAudit } from "../../audit/index.ts";
import type { Job, MailTrigger } from "../../jobs/schema.ts";
import { getJobState, patchJobState } from "../../jobs/state.ts";
import { MailWatcher, type MailMessage, type MailMode } from "../mail.ts";
import type { Trigger, TriggerHost } from "./trigger.ts";

export class Mailboxes implements Trigger {
  private jobs = new Map<string, Job>();
  private watchers = new Map<string, { watcher: MailWatcher; spec: string }>();
  private stopping = new Set<Promise<void>>();

  constructor(private host: TriggerHost) {}

  sync(jobs: ReadonlyMap<string, Job>): void {
    this.jobs = new Map();
    if (!this.host.stopping) for (const [name, job] of jobs) if (job.trigger.type === "mail") this.jobs.set(name, job);
    for (const [name, w] of this.watchers) {
      const job = this.jobs.get(name);
      if (job && JSON.stringify(job.trigger) === w.spec) continue;
      this.watchers.delete(name);
      this.stopWatcher(w.watcher);
    }
    for (const [name, job] of this.jobs) {
      if (this.watchers.has(name)) continue;
      const t = job.trigger as MailTrigger;
      const watcher = this.watch(name, t);
      this.watchers.set(name, { watcher, spec: JSON.stringify(t) });
      watcher.start();
    }
  }

  has(name: string): boolean {
    return this.watchers.has(name);
  }

  /** Resolves when a check of the job's mailbox that started after the call has ended. */
  check(name: string): Promise<void> {
    return this.watchers.get(name)?.watcher.check() ?? Promise.resolve();
  }

  /** How a mail job's connection stands: in IDLE, polling (no IDLE on the server), connecting, retrying. */
  mode(name: string): MailMode | undefined {
    return this.watchers.get(name)?.watcher.mode;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers.values()) this.stopWatcher(w.watcher);
    this.watchers.clear();
    await Promise.allSettled([...this.stopping]);
  }

  private watch(name: string, t: MailTrigger): MailWatcher {
    const { host } = this;
    let lastError: string | undefined;
    return new MailWatcher(t, {
      secret: (value) => host.secrets.add(value),
      position: () => {
        const st = getJobState(host.db, name);
        return { uid: st?.mail_uid ?? null, uidValidity: st?.mail_uid_validity ?? null };
      },
      baseline: (uidValidity, lastUid) => {
        // First look at this mailbox (or it was rebuilt): remember where it stands; old mail never fires.
        patchJobState(host.db, name, { mail_uid: lastUid, mail_uid_validity: uidValidity });
        host.log(`${name}: watching ${t.mailbox} from UID ${lastUid}`);
      },
      found: (uidValidity, messages, lastUid) => this.onMail(name, uidValidity, messages, lastUid),
      watching: (mode) => {
        host.log(`${name}: ${mode === "idle" ? `waiting for mail in ${t.mailbox} (IDLE)` : `checking ${t.mailbox} every ${t.intervalMs} ms (the server has no IDLE)`}`);
        if (lastError) host.log(`${name}: recovered`);
        lastError = undefined;
      },
      failed: ({ message, retryMs, wasWatching }) => {
        const msg = host.secrets.redact(message);
        const retry = `retrying in ${retryMs >= 60_000 ? `${Math.round(retryMs / 60_000)} min` : `${Math.round(retryMs / 1000)} s`}`;
        if (wasWatching) {
          // A dropped connection is logged; it is audited only if reconnecting fails.
          host.log(`${name}: connection to ${t.host} lost: ${msg}; ${retry}`);
          return;
        }
        if (lastError !== msg) {
          host.log(`${name}: mail check failed: ${msg}; ${retry}`);
          appendAudit(host.db, host.secrets, { job: name, type: "error", data: { trigger: "mail", error: msg } });
        }
        lastError = msg;
      },
    });
  }

  private stopWatcher(w: MailWatcher): void {
    const p = w.stop().catch((err) => this.host.log(`mail watcher: ${(err as Error).message}`));
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
  }

  private onMail(name: string, uidValidity: string, messages: MailMessage[], lastUid: number): void {
    const { host } = this;
    const job = this.jobs.get(name);
    if (!job || job.trigger.type !== "mail" || host.stopping) return;
    for (const m of messages) {
      const vars = { from: m.from, subject: m.subject, uid: String(m.uid) };
      const outcome = host.dispatch(job, { trigger: "mail", key: `mail:${uidValidity}:${m.uid}`, vars }, () => patchJobState(host.db, name, { mail_uid: m.uid }));
      if (outcome.status !== "duplicate") host.fireHooks("mail.received", `mail:${name}:${uidValidity}:${m.uid}`, vars);
    }
    if (lastUid > (getJobState(host.db, name)?.mail_uid ?? 0)) patchJobState(host.db, name, { mail_uid: lastUid });
  }
}
