/**
 * The daemon: the process (daemon.ts, its triggers in triggers/), running it in the foreground (foreground.ts),
 * controlling it from the CLI (control.ts) and the service files that start it at login (service.ts).
 */
export { Daemon, type DaemonOptions } from "./daemon.ts";
export { runForeground } from "./foreground.ts";
export { daemonStatus, followLogs, readLogs, setKillSwitch, startBackground, stopDaemon, type DaemonStatus } from "./control.ts";
export { installService, launchdPlist, systemdUnit, type InstallResult } from "./service.ts";
export { captureOutput, logFile } from "./output.ts";
