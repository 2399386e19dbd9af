import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { getJobState, patchJobState } from "../../src/automation/jobs/state.ts";
import { listAudit } from "../../src/automation/audit/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { paths } from "../../src/kernel/paths.ts";
import { initHome, PAI_BIN } from "../helpers/cli.ts";
import { dovecotAvailable, startDovecot, type Dovecot } from "../helpers/dovecot.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { rig, waitFor, writeJob } from "./helpers.ts";

/** A mail trigger on the test server; the interval is ten minutes unless told, so only IDLE explains a quick firing. */
function mailTrigger(server: Dovecot, passwordEnv: string, extra: Record<string, unknown> = {}) {
  return { type: "mail", host: "127.0.0.1", port: server.port, secure: false, user: server.user, passwordEnv, intervalMs: 600_000, ...extra };
}

/** How many IMAP sessions dovecot saw end with a LOGOUT. */
function logouts(server: Dovecot): number {
  return server.log().split("\n").filter((l) => /imap\(tester\).*Disconnected: Logged out/.test(l)).length;
}

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
      // A stored position under another UIDVALIDITY (the mailbox was rebuilt) is not trusted: the mailbox is
      // looked at afresh and nothing fires; after that, only what is newer fires.
      server.deliver({ from: "billing@example.com", subject: "invoice 43" });
      const again = await rig({ inbox: { trigger, action: { type: "remember", text: "{{subject}}" } } }, undefined, (home) => {
        const db = openDatabase(paths(home).db);
        patchJobState(db, "inbox", { mail_uid: 3, mail_uid_validity: "1" });
        db.close();
      });
      try {
        await waitFor(() => getJobState(again.db, "inbox")?.mail_uid === 4, "the fresh look at the mailbox");
        expect(getJobState(again.db, "inbox")?.mail_uid_validity).not.toBe("1");
        expect(again.firings("inbox")).toEqual([]);
        server.deliver({ from: "billing@example.com", subject: "invoice 44" });
        await again.daemon.poll("inbox");
        await again.daemon.idle();
        expect(again.memories().filter((m: any) => m.kind === "note").map((m: any) => m.content)).toEqual(["invoice 44"]);
      } finally {
        await again.close();
      }
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
        // Another attempt (asked for now rather than after the back-off), refused the same way: still one entry.
        await r.daemon.poll("inbox");
        const errors = listAudit(r.db, { job: "inbox" }).filter((e) => e.type === "error");
        expect(errors).toHaveLength(1);
        expect(JSON.stringify(errors[0]!.data)).toContain("refused the login");
        expect(r.daemon.mailMode("inbox")).toBe("retrying");
        expect(JSON.stringify(listAudit(r.db))).not.toContain("definitely-wrong-password");
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_IMAP_BAD;
      await server.stop();
    }
  });

  it("a message delivered while the daemon waits in IDLE fires the job without waiting for the interval", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    process.env.PAI_TEST_IMAP_IDLE = server.password;
    try {
      const r = await rig({ inbox: { trigger: mailTrigger(server, "PAI_TEST_IMAP_IDLE", { from: "billing" }), action: { type: "remember", text: "{{subject}}" } } });
      try {
        await waitFor(() => r.daemon.mailMode("inbox") === "idle", "IDLE");
        // After this check the watcher waits in IDLE: what is delivered next is not seen by a check on connecting.
        await r.daemon.poll("inbox");
        expect(getJobState(r.db, "inbox")?.mail_uid).toBe(0);
        server.deliver({ from: "friend@example.com", subject: "lunch?" });
        server.deliver({ from: "billing@example.com", subject: "invoice 7" });
        // The interval is ten minutes and nothing asks for a check: only the server's IDLE report can fire it.
        await waitFor(() => r.firings("inbox").length === 1 && getJobState(r.db, "inbox")?.mail_uid === 2, "the firing", 30_000);
        await r.daemon.idle();
        expect(r.memories().find((m) => m.kind === "note")?.content).toBe("invoice 7");
        server.deliver({ from: "billing@example.com", subject: "invoice 8" });
        await waitFor(() => r.firings("inbox").length === 2, "the second firing", 30_000);
        expect(r.daemon.mailMode("inbox")).toBe("idle");
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_IMAP_IDLE;
      await server.stop();
    }
  });

  it("survives a server restart: mail delivered while it was down and after it is back fires once each", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    process.env.PAI_TEST_IMAP_RESTART = server.password;
    try {
      const r = await rig({ inbox: { trigger: mailTrigger(server, "PAI_TEST_IMAP_RESTART"), action: { type: "remember", text: "{{subject}}" } } });
      try {
        await waitFor(() => r.daemon.mailMode("inbox") === "idle", "IDLE");
        server.deliver({ from: "a@example.com", subject: "before the restart" });
        await waitFor(() => r.firings("inbox").length === 1, "the first firing", 30_000);
        // Every connection drops; mail arrives while the server is down, then more once it is back.
        await server.restart(async () => {
          await waitFor(() => r.daemon.mailMode("inbox") === "retrying", "the lost connection", 30_000);
          server.deliver({ from: "b@example.com", subject: "while it was down" });
        });
        server.deliver({ from: "c@example.com", subject: "after the restart" });
        await waitFor(() => r.firings("inbox").length === 3, "the firings after the restart", 60_000);
        await waitFor(() => r.daemon.mailMode("inbox") === "idle", "IDLE again", 30_000);
        await r.daemon.poll("inbox");
        await r.daemon.idle();
        expect(r.firings("inbox").map((f) => f.fire_key.replace(/^mail:\d+:/, ""))).toEqual(["1", "2", "3"]);
        expect(
          r
            .memories()
            .filter((m) => m.kind === "note")
            .map((m) => m.content)
            .sort(),
        ).toEqual(["after the restart", "before the restart", "while it was down"]);
        expect(JSON.stringify(listAudit(r.db))).not.toContain(server.password);
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_IMAP_RESTART;
      await server.stop();
    }
  });

  it("without IDLE on the server, checks on the job's interval over the same connection", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"), { idle: false });
    process.env.PAI_TEST_IMAP_POLL = server.password;
    try {
      const r = await rig({ inbox: { trigger: mailTrigger(server, "PAI_TEST_IMAP_POLL", { intervalMs: 300 }), action: { type: "remember", text: "{{subject}}" } } });
      try {
        await waitFor(() => r.daemon.mailMode("inbox") === "poll", "polling");
        server.deliver({ from: "a@example.com", subject: "polled" });
        await waitFor(() => r.firings("inbox").length === 1, "the firing", 30_000);
        server.deliver({ from: "a@example.com", subject: "polled again" });
        await waitFor(() => r.firings("inbox").length === 2, "the second firing", 30_000);
        // One connection for the job: no session has ended yet.
        expect(logouts(server)).toBe(0);
      } finally {
        await r.close();
      }
      await waitFor(() => logouts(server) === 1, "the LOGOUT");
    } finally {
      delete process.env.PAI_TEST_IMAP_POLL;
      await server.stop();
    }
  });

  it("disabling the job closes its connection; enabling it again picks up where it stopped", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    process.env.PAI_TEST_IMAP_TOGGLE = server.password;
    try {
      const spec = { trigger: mailTrigger(server, "PAI_TEST_IMAP_TOGGLE"), action: { type: "remember", text: "{{subject}}" } };
      const r = await rig({ inbox: spec });
      try {
        await waitFor(() => r.daemon.mailMode("inbox") === "idle", "IDLE");
        writeJob(r.p, "inbox", { ...spec, enabled: false });
        await r.daemon.reload();
        expect(r.daemon.mailMode("inbox")).toBeUndefined();
        await waitFor(() => logouts(server) === 1, "the LOGOUT");
        server.deliver({ from: "a@example.com", subject: "while disabled" });
        writeJob(r.p, "inbox", spec);
        await r.daemon.reload();
        await waitFor(() => r.firings("inbox").length === 1, "the firing", 30_000);
        expect(r.firings("inbox")[0]!.fire_key).toMatch(/^mail:\d+:1$/);
      } finally {
        await r.close();
      }
    } finally {
      delete process.env.PAI_TEST_IMAP_TOGGLE;
      await server.stop();
    }
  });

  it("pai daemon run stops on SIGTERM while it waits in IDLE: LOGOUT, exit 0", async () => {
    const server = await startDovecot(tmpDir("pai-imap-"));
    const home = initHome(tmpDir());
    const p = paths(home);
    writeJob(p, "inbox", { trigger: mailTrigger(server, "PAI_TEST_IMAP_TERM"), action: { type: "remember", text: "{{subject}}" } });
    const child = spawn(PAI_BIN, ["daemon", "run"], {
      env: { ...process.env, PAI_HOME: home, NO_COLOR: "1", PAI_TEST_IMAP_TERM: server.password },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitFor(() => out.includes("(IDLE)"), "the daemon waiting in IDLE", 30_000);
      server.deliver({ from: "a@example.com", subject: "hello" });
      const db = openDatabase(p.db);
      try {
        await waitFor(() => db.prepare<{ n: number }>("SELECT count(*) AS n FROM job_firings WHERE job = 'inbox' AND status = 'ok'").get()?.n === 1, "the firing", 30_000);
      } finally {
        db.close();
      }
      child.kill("SIGTERM");
      // The process ends by itself: no connection, timer or socket is left open.
      expect(await exited).toBe(0);
      expect(out).toContain("stopped (SIGTERM)");
      await waitFor(() => logouts(server) === 1, "the LOGOUT");
      expect(out).not.toContain(server.password);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await server.stop();
    }
  });
});
