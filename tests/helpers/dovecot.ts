/**
 * A real IMAP server on loopback for tests: Debian's dovecot-imapd with a minimal configuration written into
 * a temporary folder (listen 127.0.0.1 on a free port, a passwd-file with one test user, Maildir in the temp
 * folder, no SSL). Run as the current user; when that is root, mail is served as an unprivileged user
 * (dovecot refuses to serve mail as root) and the temp folder is handed to it. `restart()` stops the server
 * (dropping every connection) and starts it again on the same port with the same mail; `{ idle: false }`
 * starts one that does not announce IDLE.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export const DOVECOT_BIN = ["/usr/sbin/dovecot", "/usr/bin/dovecot"].find((p) => existsSync(p));

export function dovecotAvailable(): boolean {
  return !!DOVECOT_BIN && spawnSync("dpkg", ["-s", "dovecot-imapd"], { stdio: "ignore" }).status === 0;
}

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  maildir: string;
  /** Writes a message into the Maildir's new/ folder (delivery as an MTA would do it). */
  deliver(msg: { from: string; to?: string; subject: string; body?: string }): void;
  /**
   * Stops the server (every connection drops) and starts it again on the same port, with the same mail;
   * `whileDown` runs in between (to deliver mail while no one is connected).
   */
  restart(whileDown?: () => void | Promise<void>): Promise<void>;
  /** dovecot's log (connections, logins, disconnections). */
  log(): string;
  stop(): Promise<void>;
}

export interface DovecotOptions {
  /** false: the server does not announce IDLE (clients have to poll). Default true. */
  idle?: boolean;
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("data", (d) => {
        sock.destroy();
        resolve(d.toString().startsWith("* OK"));
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let counter = 0;

export async function startDovecot(dir: string, opts: DovecotOptions = {}): Promise<Dovecot> {
  if (!DOVECOT_BIN) throw new Error("dovecot is not installed");
  const me = userInfo();
  const root = me.uid === 0;
  // Mail processes never run as root: use nobody's ids then, and give it the folder.
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  const port = await freePort();
  const instance = `pai-test-${process.pid}-${++counter}`;
  const user = "tester";
  const password = "imap-test-secret-42";
  const base = join(dir, "run");
  const mail = join(dir, "mail");
  const maildir = join(mail, "Maildir");
  for (const d of [base, join(maildir, "new"), join(maildir, "cur"), join(maildir, "tmp")]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dir, "passwd"), `${user}:{PLAIN}${password}:${uid}:${gid}::${mail}\n`);
  const log = join(dir, "dovecot.log");
  writeFileSync(
    join(dir, "dovecot.conf"),
    `protocols = imap
listen = 127.0.0.1
base_dir = ${base}
state_dir = ${join(dir, "state")}
instance_name = ${instance}
log_path = ${log}
info_log_path = ${log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${root ? "dovecot" : me.username}
default_internal_group = ${root ? "dovecot" : (spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim() || me.username)}
default_login_user = ${root ? "dovenull" : me.username}
first_valid_uid = ${Math.min(uid, 1)}
first_valid_gid = 0
mail_location = maildir:${maildir}
# IDLE learns of new mail through inotify; should inotify be unavailable (instances used up), look every second.
mailbox_idle_check_interval = 1 secs
${opts.idle === false ? "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UNSELECT UIDPLUS NAMESPACE\n" : ""}passdb {
  driver = passwd-file
  args = scheme=PLAIN ${join(dir, "passwd")}
}
userdb {
  driver = passwd-file
  args = ${join(dir, "passwd")}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  if (root) {
    for (const d of [mail, maildir, join(maildir, "new"), join(maildir, "cur"), join(maildir, "tmp")]) chownSync(d, uid, gid);
    chmodSync(dir, 0o755);
    // dovecot's unprivileged processes read it: under a umask of 077 it would be root's alone.
    chmodSync(join(dir, "passwd"), 0o644);
    mkdirSync(join(dir, "state"), { recursive: true });
  }
  let out = "";
  const readLog = () => {
    try {
      return `${out}${readFileSync(log, "utf8")}`.slice(-2000);
    } catch {
      return out;
    }
  };
  const launch = async (): Promise<ChildProcess> => {
    const c = spawn(DOVECOT_BIN, ["-F", "-c", join(dir, "dovecot.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    c.stdout!.on("data", (d) => (out += d));
    c.stderr!.on("data", (d) => (out += d));
    await waitForPort(port, 10_000, c, readLog);
    return c;
  };
  const halt = async (c: ChildProcess): Promise<void> => {
    if (c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        c.kill("SIGTERM");
        setTimeout(() => c.kill("SIGKILL"), 3000).unref();
      });
    }
    // The master does not always take its mail processes with it: end those of this instance too, so that
    // every client connection really drops.
    await endProcesses(instance);
  };
  let child = await launch();
  let n = 0;
  return {
    port,
    user,
    password,
    maildir,
    deliver(msg) {
      const name = `${Date.now()}.M${++n}P${process.pid}.pai-test`;
      const text = [
        `From: ${msg.from}`,
        `To: ${msg.to ?? "tester@localhost"}`,
        `Subject: ${msg.subject}`,
        `Date: ${new Date().toUTCString()}`,
        `Message-ID: <${name}@localhost>`,
        "",
        msg.body ?? "hello",
        "",
      ].join("\r\n");
      const tmp = join(maildir, "tmp", name);
      writeFileSync(tmp, text);
      if (root) chownSync(tmp, uid, gid);
      renameSync(tmp, join(maildir, "new", name));
    },
    async restart(whileDown) {
      await halt(child);
      await whileDown?.();
      child = await launch();
    },
    log() {
      try {
        return readFileSync(log, "utf8");
      } catch {
        return "";
      }
    },
    async stop() {
      await halt(child);
    },
  };
}

/** The processes whose command line names this dovecot instance (its imap, log, stats… processes). */
function instanceProcesses(instance: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(`${instance}/`)) pids.push(Number(e));
    } catch {}
  }
  return pids;
}

/** SIGTERM to the instance's remaining processes, SIGKILL to those still there after 3 s. */
async function endProcesses(instance: string): Promise<void> {
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {}
    }
  };
  signal(instanceProcesses(instance), "SIGTERM");
  const deadline = Date.now() + 3000;
  while (instanceProcesses(instance).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  signal(instanceProcesses(instance), "SIGKILL");
}

/** For diagnostics in failing tests: what is in the Maildir. */
export function maildirCount(maildir: string): number {
  return ["new", "cur"].reduce((n, d) => n + readdirSync(join(maildir, d)).filter((f) => statSync(join(maildir, d, f)).isFile()).length, 0);
}

