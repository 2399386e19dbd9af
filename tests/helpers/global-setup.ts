import { rmSync } from "node:fs";

// Services are started by the tests that need them. When the run ends, remove the sandbox PAI_HOME that
// vitest.config.ts made for tests that forget to pass their own.
export default function setup(): () => void {
  return () => {
    const home = process.env.PAI_SUITE_HOME;
    if (home && home.includes("pai-suite-home-")) rmSync(home, { recursive: true, force: true });
  };
}
