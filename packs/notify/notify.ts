/**
 * notify: ntfy (POST the message to SERVER/TOPIC, Title/Priority/Tags headers, optional bearer token) and
 * Discord webhooks (POST {content, username}). Network goes through ctx.fetch, which allows only the hosts
 * granted; tokens come from the declared secrets only.
 */
import type { PackContext } from "../../src/packs/types.ts";

async function ntfy(ctx: PackContext, message: string): Promise<string> {
  const server = String(ctx.config.server ?? "https://ntfy.sh").replace(/\/+$/, "");
  const topic = String(ctx.config.topic ?? "").trim();
  if (!topic) throw new Error("no ntfy topic: set one with 'pai pack config notify topic YOUR-TOPIC'");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(topic)) throw new Error(`ntfy topic '${topic}' may use only letters, digits, - and _`);
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  if (ctx.vars.title) headers.Title = ctx.vars.title;
  if (ctx.vars.priority) {
    if (!/^[1-5]$/.test(ctx.vars.priority)) throw new Error(`priority must be 1 to 5, got '${ctx.vars.priority}'`);
    headers.Priority = ctx.vars.priority;
  }
  if (ctx.vars.tags) headers.Tags = ctx.vars.tags;
  if (ctx.env.NTFY_TOKEN) headers.Authorization = `Bearer ${ctx.env.NTFY_TOKEN}`;
  const res = await ctx.fetch(`${server}/${topic}`, { method: "POST", headers, body: message });
  if (!res.ok) throw new Error(`ntfy answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json().catch(() => ({}))) as { id?: string };
  return body.id ? `ntfy ${body.id}` : "ntfy";
}

async function discord(ctx: PackContext, message: string): Promise<string> {
  const url = ctx.env.DISCORD_WEBHOOK_URL;
  if (!url) throw new Error("no Discord webhook: set the environment variable DISCORD_WEBHOOK_URL");
  const content = ctx.vars.title ? `**${ctx.vars.title}**\n${message}` : message;
  const res = await ctx.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ content: content.slice(0, 2000), username: "pai", allowed_mentions: { parse: [] } }),
  });
  if (res.status !== 204 && !res.ok) throw new Error(`Discord answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return "discord";
}

export async function send(ctx: PackContext) {
  const message = (ctx.vars.message ?? ctx.text).trim();
  if (!message) throw new Error("nothing to send: give the message text");
  const channels = (Array.isArray(ctx.config.channels) ? ctx.config.channels : [String(ctx.config.channels ?? "ntfy")]).map(String);
  const sent: string[] = [];
  for (const ch of channels) {
    if (ch === "ntfy") sent.push(await ntfy(ctx, message));
    else if (ch === "discord") sent.push(await discord(ctx, message));
    else throw new Error(`unknown channel '${ch}' (use ntfy or discord)`);
  }
  return { output: `Sent via ${sent.join(", ")}.`, data: { channels: sent } };
}
