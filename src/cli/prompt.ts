/**
 * A yes/no question asked on the terminal (on stderr, so stdout stays data). Only "y" or "yes" means yes;
 * Enter, any other answer, Ctrl-C and Ctrl-D (end of input) mean no, and the terminal is left as it was.
 */
import { createInterface } from "node:readline";

export interface PromptIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

export function askYesNo(question: string, io: PromptIO = { input: process.stdin, output: process.stderr }): Promise<boolean> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: !!io.input.isTTY });
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (yes: boolean, newline: boolean) => {
      if (done) return;
      done = true;
      // After Ctrl-C or Ctrl-D the cursor is still on the question's line: what follows starts on its own.
      if (newline) io.output.write("\n");
      rl.close();
      resolve(yes);
    };
    rl.on("SIGINT", () => finish(false, true));
    rl.on("close", () => finish(false, true));
    rl.question(`${question} [y/N] `, (answer) => finish(/^y(es)?$/i.test(answer.trim()), false));
  });
}
