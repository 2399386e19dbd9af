/**
 * Mail triggers: poll an IMAP mailbox (imapflow) for messages newer than the last UID seen, filtered on the
 * sender and subject. The first poll only records where the mailbox stands (old mail never fires); the last
 * UID and the mailbox's UIDVALIDITY are kept in job_state so a restart resumes where it stopped.
 */
import type { MailTrigger } from "../jobs/schema.ts";
import { registerSecret } from "../audit/redact.ts";

export interface MailMessage {
  uid: number;
  from: string;
  subject: string;
  date?: string;
}

export interface MailPoll {
  uidValidity: string;
  /** The highest UID in the mailbox now (uidNext - 1). */
  lastUid: number;
  /** Messages with a UID above `afterUid` that match the filter, oldest first. */
  messages: MailMessage[];
}

export function mailPassword(t: MailTrigger, env: NodeJS.ProcessEnv = process.env): string {
  const pass = env[t.passwordEnv];
  if (!pass) throw new Error(`the environment variable ${t.passwordEnv} (the mail password) is not set`);
  registerSecret(pass);
  return pass;
}

export function matchesFilter(t: MailTrigger, m: { from: string; subject: string }): boolean {
  if (t.from && !m.from.toLowerCase().includes(t.from.toLowerCase())) return false;
  if (t.subject && !m.subject.toLowerCase().includes(t.subject.toLowerCase())) return false;
  return true;
}

/** One poll: connects, reads what is new after `afterUid` (nothing when afterUid is null), logs out. */
export async function pollMailbox(t: MailTrigger, afterUid: number | null, storedValidity: string | null, env: NodeJS.ProcessEnv = process.env): Promise<MailPoll> {
  const { ImapFlow } = await import("imapflow");
  const client = new ImapFlow({
    host: t.host,
    port: t.port,
    secure: t.secure,
    auth: { user: t.user, pass: mailPassword(t, env) },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  client.on("error", () => {});
  await client.connect();
  try {
    const lock = await client.getMailboxLock(t.mailbox);
    try {
      const box = client.mailbox;
      if (!box || typeof box === "boolean") throw new Error(`cannot open mailbox ${t.mailbox}`);
      const uidValidity = String(box.uidValidity);
      const lastUid = Math.max(0, box.uidNext - 1);
      const messages: MailMessage[] = [];
      if (afterUid !== null && storedValidity === uidValidity && lastUid > afterUid) {
        for await (const msg of client.fetch(`${afterUid + 1}:*`, { uid: true, envelope: true }, { uid: true })) {
          if (msg.uid <= afterUid) continue; // "N:*" returns the last message when N is above every UID
          const env0 = msg.envelope;
          const from = (env0?.from ?? []).map((a) => (a.name ? `${a.name} <${a.address ?? ""}>` : (a.address ?? ""))).join(", ");
          messages.push({ uid: msg.uid, from, subject: env0?.subject ?? "", date: env0?.date ? new Date(env0.date).toISOString() : undefined });
        }
        messages.sort((a, b) => a.uid - b.uid);
      }
      return { uidValidity, lastUid, messages: messages.filter((m) => matchesFilter(t, m)) };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}
