/**
 * The last guard before the cloud: whatever a caller hands the Anthropic backend (system, user text, earlier
 * answers, tool results), the request that leaves holds no secret; the model's own tool input is sent back as
 * it came. The call log holds no prompt and no secret.
 */
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { getBackend } from "../../src/models/index.ts";
import { openDatabase } from "../../src/app/db.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import type { FakeServer } from "../helpers/fake-ollama.ts";
import { tmpDir } from "../helpers/tmp.ts";
import { ALL_SECRETS, bodies, expectAbsent, PEM, SECRET_TEXT } from "./helpers.ts";
import { join } from "node:path";

const servers: FakeServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe("the Anthropic backend", () => {
  it("redacts every text it sends, whoever the caller", async () => {
    const s = await startFakeAnthropic({ reply: "fine" });
    servers.push(s);
    const db = openDatabase(join(tmpDir("pai-sec-db-"), "pai.db"));
    try {
      const config = configSchema.parse({ backend: { retries: 0 } });
      const backend = getBackend({ purpose: "skill", backend: "anthropic", config, db, env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: s.url } });
      let text = "";
      for await (const ev of backend.chat({
        purpose: "skill",
        system: `instructions ${SECRET_TEXT}`,
        messages: [
          { role: "user", content: `question ${SECRET_TEXT}` },
          { role: "assistant", content: `earlier answer ${PEM}`, toolCalls: [{ id: "t1", name: "peek", arguments: { text: "look" } }] },
          { role: "tool", toolCallId: "t1", name: "peek", content: `tool output ${SECRET_TEXT}` },
        ],
      })) {
        if (ev.type === "text") text += ev.text;
      }
      expect(text).toBe("fine");
      const sent = bodies(s, "/v1/messages");
      expect(sent).toContain("[REDACTED:anthropic_key]");
      expect(sent).toContain("[REDACTED:private_key]");
      expect(sent).toContain("tool output");
      expectAbsent(sent, ALL_SECRETS, "the Anthropic request");
      const log = JSON.stringify(db.prepare("SELECT * FROM model_calls").all());
      expect(log).toContain("anthropic");
      expectAbsent(log, [...ALL_SECRETS, "question", "instructions"], "model_calls");
    } finally {
      db.close();
    }
  });
});
