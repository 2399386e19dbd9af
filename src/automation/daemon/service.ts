/**
 * The service files that run the daemon at login: a systemd user unit (Linux) or a launchd agent (macOS), each
 * appending its output to user/logs/daemon.log, which the daemon then rotates itself.
 */
import { chmodSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../kernel/fs.ts";
import { installDir, type Paths } from "../../kernel/paths.ts";
import type { AutomationHome } from "../context.ts";
import { logFile } from "./output.ts";

export interface InstallResult {
  files: string[];
  enable: string[];
  /** The environment file the service reads (user/daemon.env, 0600) and the names of the variables in it. */
  environment: { file: string; names: string[] };
}

/** Variables any daemon may need: the backends', the time zone and language, and PATH (programs packs run). */
const BASE_ENV = ["OLLAMA_HOST", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "TZ", "LANG", "LC_ALL", "PATH"];

/** The environment file of the service: user/daemon.env. */
export function environmentFile(p: Paths): string {
  return join(p.user, "daemon.env");
}

/**
 * The names of the variables this daemon needs from the shell that installs it: BASE_ENV, the webhook token's,
 * each mail job's password, and those the installed packs were granted; only those set are written.
 */
export async function daemonEnvNames(home: Pick<AutomationHome, "paths" | "config">): Promise<string[]> {
  const names = new Set([...BASE_ENV, home.config.daemon.webhook.tokenEnv]);
  try {
    const { loadJobs } = await import("../jobs/store.ts");
    for (const j of loadJobs(home.paths).jobs) if (j.trigger.type === "mail") names.add(j.trigger.passwordEnv);
  } catch {}
  try {
    const { listInstalled } = await import("../../packs/index.ts");
    for (const pack of listInstalled(home.paths)) for (const g of Object.values(pack.lock.grants ?? {})) for (const e of g.env ?? []) names.add(e);
  } catch {}
  return [...names];
}

/** KEY="value" lines as systemd's EnvironmentFile and a POSIX shell both read them. */
function envFileText(vars: [string, string][]): string {
  const quote = (v: string) => `"${v.replace(/[\\"$`]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
  return `# Written by 'pai daemon install' from the environment of the shell that ran it; edit it, then restart the daemon.\n${vars.map(([k, v]) => `${k}=${quote(v)}`).join("\n")}\n`;
}

/** Writes user/daemon.env (0600) with the values this shell has; returns the names written. */
export function writeEnvironmentFile(p: Paths, names: string[], env: NodeJS.ProcessEnv): { file: string; names: string[] } {
  const vars = names.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && env[n] !== undefined && !env[n]!.includes("\0")).map((n): [string, string] => [n, env[n]!]);
  const file = environmentFile(p);
  writeFileAtomic(file, envFileText(vars));
  chmodSync(file, 0o600);
  return { file, names: vars.map(([n]) => n) };
}

export function systemdUnit(p: Paths, bun: string = process.execPath, graceMs = 10_000): string {
  return `[Unit]
Description=pai: the persistent assistant (PAI_HOME=${p.home})
After=network-online.target

[Service]
Type=simple
Environment=PAI_HOME=${p.home}
EnvironmentFile=-${environmentFile(p)}
WorkingDirectory=${p.home}
ExecStart=${bun} ${join(installDir, "src", "cli", "main.ts")} daemon run
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=${Math.ceil(graceMs / 1000) + 10}
StandardOutput=append:${logFile(p)}
StandardError=append:${logFile(p)}

[Install]
WantedBy=default.target
`;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function launchdPlist(p: Paths, bun: string = process.execPath): string {
  // launchd has no environment file: a shell reads user/daemon.env, then becomes the daemon.
  const run = `set -a; [ -f '${environmentFile(p).replace(/'/g, "'\\''")}' ] && . '${environmentFile(p).replace(/'/g, "'\\''")}'; set +a; exec "$0" "$@"`;
  const args = ["/bin/sh", "-c", run, bun, join(installDir, "src", "cli", "main.ts"), "daemon", "run"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>dev.pai.daemon</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join("\n")}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PAI_HOME</key>
    <string>${xml(p.home)}</string>
  </dict>
  <key>WorkingDirectory</key>
  <string>${xml(p.home)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  <string>${xml(logFile(p))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(logFile(p))}</string>
</dict>
</plist>
`;
}

/**
 * Writes the service file(s); enables nothing. Linux: a systemd user unit in
 * $XDG_CONFIG_HOME/systemd/user/pai.service (or --dir). macOS: a launchd agent in ~/Library/LaunchAgents.
 */
export async function installService(
  home: Pick<AutomationHome, "paths" | "config">,
  opts: { dir?: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): Promise<InstallResult> {
  const { paths: p, config } = home;
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const environment = writeEnvironmentFile(p, await daemonEnvNames(home), env);
  if (platform === "darwin") {
    const dir = opts.dir ?? join(env.HOME ?? homedir(), "Library", "LaunchAgents");
    const file = join(dir, "dev.pai.daemon.plist");
    writeFileAtomic(file, launchdPlist(p));
    return { files: [file], environment, enable: [`launchctl bootstrap gui/$(id -u) ${file}`, "launchctl kickstart -k gui/$(id -u)/dev.pai.daemon"] };
  }
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME ?? homedir(), ".config");
  const dir = opts.dir ?? join(base, "systemd", "user");
  const file = join(dir, "pai.service");
  writeFileAtomic(file, systemdUnit(p, process.execPath, config.daemon.graceMs));
  return { files: [file], environment, enable: ["systemctl --user daemon-reload", "systemctl --user enable --now pai.service", "loginctl enable-linger $USER   # to keep it running while you are logged out"] };
}
