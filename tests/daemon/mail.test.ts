import { describe, expect, it } from "vitest";
import { getJobState } from "../../src/daemon/state.ts";
import { listAudit } from "../../src/audit/index.ts";
import { pollMailbox } from "../../src/daemon/mail.ts";
import { dovecotAvailable, startDovecot } from "../helpers/dovecot.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { rig, waitFor } from "./helpers.ts";

const available = dovecotAvailable();
if (!available) console.warn("skipping the IMAP tests: dovecot-imapd is not installed (apt-get install dovecot-imapd)");

describe.skipIf(!available)("mail trigger (a real dovecot on loopback)", { timeout: 60_000 }, () => {
  it("fires once per new matching message, remembers the last UID, and never logs the password", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    process.env.PAI_TEST_IMAP_PASSWORD = server.password;
    const trigger = {
      type: "mail",
      host: "127.0.0.1",
      port: server.port,
      secure: false,
      user: server.user,
      passwordEnv: "PAI_TEST_IMAP_PASSWORD",
      subject: "invoice",
      intervalMs: 3_600_000,
    };
    try {
      server.deliver({ from: "old@example.com", subject: "invoice from before" });
      const r = await rig({ inbox: { trigger, action: { type: "remember", text: "mail from {{from}}: {{subject}}" } } });
      try {
        // The first poll only records where the mailbox stands: old mail never fires.
        await waitFor(() => getJobState(r.db, "inbox")?.mail_uid === 1, "the first poll");
        expect(r.firings()).toEqual([]);
        server.deliver({ from: "Billing <billing@example.com>", subject: "Your invoice 42" });
        server.deliver({ from: "friend@example.com", subject: "lunch?" });
        await r.daemon.poll("inbox");
        expect(r.firings("inbox")).toHaveLength(1);
        expect(r.firings("inbox")[0]!.fire_key).toMatch(/^mail:\d+:2$/);
        expect(getJobState(r.db, "inbox")?.mail_uid).toBe(3);
        await r.daemon.poll("inbox"); // nothing new
        expect(r.firings("inbox")).toHaveLength(1);
        await r.daemon.idle();
        expect(r.memories().find((m) => m.kind === "note")?.content).toBe("mail from Billing <billing@example.com>: Your invoice 42");
        expect(JSON.stringify(listAudit(r.db))).not.toContain(server.password);
      } finally {
        await r.close();
      }
      // A direct poll after the last UID sees only what is newer.
      server.deliver({ from: "billing@example.com", subject: "invoice 43" });
      const poll = await pollMailbox({ ...trigger, mailbox: "INBOX" } as never, 3, null);
      expect(poll.messages).toEqual([]); // unknown UIDVALIDITY: nothing is trusted
      const st = await pollMailbox({ ...trigger, mailbox: "INBOX" } as never, 3, (await pollMailbox({ ...trigger, mailbox: "INBOX" } as never, null, null)).uidValidity);
      expect(st.messages.map((m) => m.subject)).toEqual(["invoice 43"]);
    } finally {
      delete process.env.PAI_TEST_IMAP_PASSWORD;
      await server.stop();
    }
  });

  it("a wrong password is reported in the audit log (once), without the password", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    process.env.PAI_TEST_IMAP_BAD = "definitely-wrong-password";
    try {
      const r = await rig({
        inbox: { trigger: { type: "mail", host: "127.0.0.1", port: server.port, secure: false, user: server.user, passwordEnv: "PAI_TEST_IMAP_BAD", intervalMs: 3_600_000 }, action: { type: "remember", text: "x" } },
      });
      try {
        await waitFor(() => listAudit(r.db, { job: "inbox" }).find((e) => e.type === "error"), "the error entry");
        expect(JSON.stringify(listAudit(r.db))).not.toContain("definitely-wrong-password");
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_IMAP_BAD;
      await server.stop();
    }
  });
});
