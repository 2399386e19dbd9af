/**
 * The webhook: a listener on 127.0.0.1 (see ../webhook.ts) that fires the webhook job named by the path,
 * POST /hooks/<job>, for a caller with the token. Refused requests are counted, not written one by one: one
 * audit entry per minute at most, whatever a caller sends.
 */
import { appendAudit } from "../../audit/index.ts";
import type { Job } from "../../jobs/schema.ts";
import { updateLease } from "../state.ts";
import { RefusalTally, startWebhookServer, webhookToken } from "../webhook.ts";
import type { Trigger, TriggerHost } from "./trigger.ts";

/** Refused requests are counted and written to the audit trail as one entry per this period. */
const REFUSALS_FLUSH_MS = 60_000;

export class Webhooks implements Trigger {
  private jobs = new Map<string, Job>();
  private server: { port: number; close(): Promise<void> } | undefined;
  private refusals = new RefusalTally();
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private eventSeq = 0;

  constructor(private host: TriggerHost) {}

  /** The port it listens on, once listening. */
  get port(): number | undefined {
    return this.server?.port;
  }

  sync(jobs: ReadonlyMap<string, Job>): void {
    this.jobs = new Map([...jobs].filter(([, j]) => j.trigger.type === "webhook"));
  }

  /** Starts listening on daemon.webhook.port; the port is recorded in the lease for `pai daemon status`. */
  async open(): Promise<void> {
    const { host } = this;
    const { token } = webhookToken(host.paths, host.config);
    host.secrets.add(token);
    const cfg = host.config.daemon.webhook;
    const tally = this.refusals;
    this.flushTimer = setInterval(() => this.flushRefusals(), REFUSALS_FLUSH_MS);
    const server = await startWebhookServer({
      port: cfg.port,
      maxBodyBytes: cfg.maxBodyBytes,
      token,
      onRefused: (r) => {
        if (tally.add(r)) host.log(`webhook refused: ${r.status} ${r.error} (${r.method} ${r.path})`);
      },
      handler: async (name, body, headers) => {
        const job = this.jobs.get(name);
        if (!job) return { status: 404, body: { error: `no enabled webhook job named '${name}'` } };
        const outcome = host.dispatch(job, {
          trigger: "webhook",
          key: `webhook:${Date.now()}:${process.pid}:${++this.eventSeq}`,
          vars: { body, contentType: headers["content-type"] ?? "" },
        });
        return { status: 202, body: { job: name, firing: outcome.firingId ?? null, status: outcome.status === "ok" ? "running" : outcome.status } };
      },
    });
    if (host.stopping) return void (await server.close());
    this.server = server;
    updateLease(host.db, { webhookPort: server.port });
    host.log(`webhook listening on 127.0.0.1:${server.port}`);
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    await this.server?.close();
    this.server = undefined;
    this.flushRefusals();
  }

  /** Writes the refusals counted since the last flush as one audit entry (none when there were none). */
  private flushRefusals(): void {
    const summary = this.refusals.flush();
    if (!summary) return;
    this.host.log(`webhook: ${summary.count} request(s) refused since ${summary.since}`);
    try {
      appendAudit(this.host.db, this.host.secrets, { type: "decision", data: { decision: "webhook_refused", ...summary } });
    } catch (err) {
      this.host.log(`webhook refusals not recorded: ${(err as Error).message}`);
    }
  }
}
