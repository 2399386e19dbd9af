/**
 * Copying text to the user's clipboard (chat's /copy). First through the terminal, with the OSC 52 escape
 * sequence: it reaches the clipboard of the machine the user sits at, over ssh and from inside tmux, with no
 * program to install. A terminal may ignore it and says nothing, so when pai runs in a local graphical session
 * (not over ssh) the desktop's own tool is used as well: wl-copy, xclip or pbcopy.
 */
import { spawnSync } from "node:child_process";

export interface ClipboardIo {
  /** Writes to the terminal the user sees, or undefined when there is none (output piped, no tty). */
  terminal?: (data: string) => void;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Runs a program with the text on its standard input; true when it succeeded. */
  run?: (cmd: string, args: string[], input: string) => boolean;
}

/** The OSC 52 sequence setting the clipboard; inside tmux, also wrapped to pass through to the outer terminal. */
export function osc52(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const seq = `\u001B]52;c;${Buffer.from(text, "utf8").toString("base64")}\u0007`;
  // tmux takes the plain sequence when its set-clipboard is on; the wrapped one needs allow-passthrough.
  return env.TMUX ? `${seq}\u001BPtmux;${seq.replace(/\u001B/g, "\u001B\u001B")}\u001B\\` : seq;
}

const runProgram = (cmd: string, args: string[], input: string): boolean => {
  try {
    const r = spawnSync(cmd, args, { input, stdio: ["pipe", "ignore", "ignore"], timeout: 3000 });
    return r.status === 0;
  } catch {
    return false;
  }
};

/** The desktop clipboard tool to try, when pai runs in a local graphical session. */
function localTool(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): [string, string[]] | undefined {
  if (env.SSH_CONNECTION || env.SSH_TTY) return undefined;
  if (platform === "darwin") return ["pbcopy", []];
  if (env.WAYLAND_DISPLAY) return ["wl-copy", []];
  if (env.DISPLAY) return ["xclip", ["-selection", "clipboard"]];
  return undefined;
}

/** Copies text; returns how (e.g. ["the terminal (OSC 52)", "wl-copy"]), empty when there was no way. */
export function copyToClipboard(text: string, io: ClipboardIo): string[] {
  const env = io.env ?? process.env;
  const ways: string[] = [];
  if (io.terminal) {
    io.terminal(osc52(text, env));
    ways.push("the terminal (OSC 52)");
  }
  const tool = localTool(env, io.platform ?? process.platform);
  if (tool && (io.run ?? runProgram)(tool[0], tool[1], text)) ways.push(tool[0]);
  return ways;
}
