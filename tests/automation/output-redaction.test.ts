// The daemon's own output (daemon.log) passes through the redactor: a pack that prints a secret leaves none there.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.ts";

describe("daemon output redaction", () => {
  it("redacts what anything in the daemon process writes to stdout or stderr", () => {
    const key = "sk-ant-api03-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98765";
    const script = `
      import { captureOutput } from ${JSON.stringify(join(ROOT, "src/automation/daemon/output.ts"))};
      import { Secrets } from ${JSON.stringify(join(ROOT, "src/kernel/secrets.ts"))};
      captureOutput(new Secrets());
      console.log("pack says: my key is ${key}");
      process.stderr.write(Buffer.from("stderr too: ${key}\\n"));
      console.log("ordinary line stays as it is");
    `;
    const r = spawnSync(join(ROOT, "node_modules/bun/bin/bun.exe"), ["-e", script], { encoding: "utf8", cwd: ROOT });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(r.stdout).toContain("pack says: my key is [REDACTED:");
    expect(r.stderr).toContain("stderr too: [REDACTED:");
    expect(r.stdout).toContain("ordinary line stays as it is");
  });
});
