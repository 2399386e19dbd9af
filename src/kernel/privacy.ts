/**
 * Who may see what. A Telos file or a memory is private or shareable; whoever receives them (a model, an MCP
 * client, an exported file) counts as local, and sees private items, or cloud, and sees shareable ones only.
 */

/** Whether an item may leave this machine: private ones go only to a local audience. */
export type Visibility = "private" | "shareable";

/** Where a text is going: a local audience sees private items, a cloud one does not. */
export type Audience = "local" | "cloud";

/** Whether an item of this visibility may be shown to this audience. */
export function visibleTo(audience: Audience, visibility: Visibility): boolean {
  return audience === "local" || visibility === "shareable";
}
