import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandPermissions, hostAllowed, restrict } from "../../src/packs/permissions.ts";

const none = { network: [], read: [], write: [], env: [], exec: [] };

describe("permission entries", () => {
  it("hosts: exact, with port, wildcard subdomains and '*'", () => {
    expect(hostAllowed("ntfy.sh", ["ntfy.sh"])).toBe(true);
    expect(hostAllowed("ntfy.sh:443", ["ntfy.sh"])).toBe(true);
    expect(hostAllowed("127.0.0.1:8080", ["127.0.0.1:8080"])).toBe(true);
    expect(hostAllowed("127.0.0.1:8081", ["127.0.0.1:8080"])).toBe(false);
    expect(hostAllowed("api.example.com", ["*.example.com"])).toBe(true);
    expect(hostAllowed("example.com.evil.net", ["*.example.com"])).toBe(false);
    expect(hostAllowed("evilexample.com", ["*.example.com"])).toBe(false);
    expect(hostAllowed("anything.org", ["*"])).toBe(true);
  });

  it("expands ~, $PAI_HOME, $PACK and {{config.KEY}} (a URL setting grants its host; lists give several entries)", () => {
    const e = expandPermissions(
      { ...none, network: ["{{config.server}}", "ntfy.sh"], read: ["~/notes", "{{config.folders}}", "$PACK/data"], write: ["$PAI_HOME/user/x"] },
      { home: "/h", packDir: "/h/user/packs/p", settings: { server: "http://127.0.0.1:9/x", folders: ["/a", "/b"] } },
    );
    expect(e.network).toEqual(["127.0.0.1:9", "ntfy.sh"]);
    // ~ is $HOME, or the account's home when HOME is unset (as in some CI containers); HOME=/ gives /notes.
    expect(e.read).toEqual([join(process.env.HOME || homedir(), "notes"), "/a", "/b", "/h/user/packs/p/data"]);
    expect(e.write).toEqual(["/h/user/x"]);
  });

  it("a job's policy narrows to the overlap", () => {
    const eff = { ...none, network: ["*", "ntfy.sh"], read: ["/home/ada"], write: ["/home/ada/notes"], env: ["A", "B"], exec: ["git", "rg"] };
    const pol = { ...none, network: ["en.wikipedia.org"], read: ["/home/ada/notes", "/etc"], write: ["/home/ada"], env: ["B"], exec: ["rg"] };
    expect(restrict(eff, pol)).toEqual({ network: ["en.wikipedia.org"], read: ["/home/ada/notes"], write: ["/home/ada/notes"], env: ["B"], exec: ["rg"] });
    expect(restrict({ ...none, network: ["*.example.com"] }, { ...none, network: ["api.example.com", "other.org"] }).network).toEqual(["api.example.com"]);
  });
});
