/**
 * The service files that run the daemon at login: a systemd user unit (Linux) or a launchd agent (macOS), each
 * appending its output to user/logs/daemon.log, which the daemon then rotates itself.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../kernel/fs.ts";
import { installDir, type Paths } from "../../kernel/paths.ts";
import type { AutomationHome } from "../context.ts";
import { logFile } from "./output.ts";

export interface InstallResult {
  files: string[];
  enable: string[];
}

export function systemdUnit(p: Paths, bun: string = process.execPath, graceMs = 10_000): string {
  return `[Unit]
Description=pai: the persistent assistant (PAI_HOME=${p.home})
After=network-online.target

[Service]
Type=simple
Environment=PAI_HOME=${p.home}
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
  const args = [bun, join(installDir, "src", "cli", "main.ts"), "daemon", "run"];
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
export function installService(
  home: Pick<AutomationHome, "paths" | "config">,
  opts: { dir?: string; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv } = {},
): InstallResult {
  const { paths: p, config } = home;
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  if (platform === "darwin") {
    const dir = opts.dir ?? join(env.HOME ?? homedir(), "Library", "LaunchAgents");
    const file = join(dir, "dev.pai.daemon.plist");
    writeFileAtomic(file, launchdPlist(p));
    return { files: [file], enable: [`launchctl bootstrap gui/$(id -u) ${file}`, "launchctl kickstart -k gui/$(id -u)/dev.pai.daemon"] };
  }
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME ?? homedir(), ".config");
  const dir = opts.dir ?? join(base, "systemd", "user");
  const file = join(dir, "pai.service");
  writeFileAtomic(file, systemdUnit(p, process.execPath, config.daemon.graceMs));
  return { files: [file], enable: ["systemctl --user daemon-reload", "systemctl --user enable --now pai.service", "loginctl enable-linger $USER   # to keep it running while you are logged out"] };
}
