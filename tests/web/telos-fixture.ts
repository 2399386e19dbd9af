/** A small, realistic Telos (mission, goals, projects with links, beliefs, a challenge, one finished project). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const file = (title: string, visibility: string, body: string) => `---
title: ${title}
updated: 2026-11-20
visibility: ${visibility}
---

# ${title}

${body}
`;

export function writeDemoTelos(home: string): void {
  const dir = join(home, "user", "telos");
  const put = (name: string, text: string) => writeFileSync(join(dir, `${name}.md`), text);
  put("mission", file("Mission", "shareable", "- M1: Build calm tools that help people think clearly and keep their promises"));
  put(
    "goals",
    file(
      "Goals",
      "shareable",
      `- G1: Ship version 1 of the field-notes app by June (supports: M1)
- G2: Run a half marathon under two hours (supports: M1)
- G3: Read one book a month, and write a note on each (supports: M1)`,
    ),
  );
  put(
    "projects",
    file(
      "Projects",
      "shareable",
      `- P1: Offline sync for field notes (supports: G1)
- P2: Beta with ten birdwatchers (supports: G1)
- P3: Twelve-week training plan (supports: G2)

## Done

- P4: Reading log in a plain text file (supports: G3)`,
    ),
  );
  put(
    "beliefs",
    file(
      "Beliefs",
      "private",
      `- B1: Small daily steps beat heroic weekends
- B2: Writing something down is the first half of thinking it through`,
    ),
  );
  put("challenges", file("Challenges", "private", "- C1: Evenings disappear into email (blocks: P2)"));
}
