/**
 * voice: espeak-ng (local, the default) writes a WAV; ElevenLabs (when ELEVENLABS_API_KEY is set) returns MP3.
 * The file is written under the voice folder and played when `play` is on and a player is installed; a
 * missing player or audio device is reported, never fatal.
 */
import type { PackContext } from "../../src/packs/types.ts";

async function elevenlabs(ctx: PackContext, text: string, file: string): Promise<number> {
  const api = String(ctx.config.elevenlabsApi ?? "https://api.elevenlabs.io").replace(/\/+$/, "");
  const voice = encodeURIComponent(String(ctx.config.elevenlabsVoice));
  const res = await ctx.fetch(`${api}/v1/text-to-speech/${voice}?output_format=mp3_44100_128`, {
    method: "POST",
    headers: { "xi-api-key": ctx.env.ELEVENLABS_API_KEY!, "content-type": "application/json", accept: "audio/mpeg" },
    body: JSON.stringify({ text, model_id: String(ctx.config.elevenlabsModel) }),
  });
  if (!res.ok) throw new Error(`ElevenLabs answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!bytes.length) throw new Error("ElevenLabs returned no audio");
  await ctx.fs.writeBytes(file, bytes);
  return bytes.length;
}

async function espeak(ctx: PackContext, text: string, file: string): Promise<number> {
  await ctx.fs.mkdir(file.slice(0, file.lastIndexOf("/")));
  await ctx.fs.writeBytes(file, new Uint8Array()); // checks the write grant before espeak-ng runs
  const r = await ctx.exec("espeak-ng", ["-v", String(ctx.config.voice ?? "en"), "-s", String(ctx.config.speed ?? 165), "-w", file, "--stdin"], { input: text });
  if (r.code !== 0) throw new Error(`espeak-ng failed: ${r.stderr.trim().split("\n")[0] ?? `exit ${r.code}`}`);
  return (await ctx.fs.readBytes(file)).length;
}

export async function say(ctx: PackContext) {
  const text = (ctx.vars.message ?? ctx.text).trim();
  if (!text) throw new Error("nothing to say: give the text");
  const engine = String(ctx.config.engine ?? "auto");
  if (!["auto", "espeak", "elevenlabs"].includes(engine)) throw new Error(`engine must be auto, espeak or elevenlabs, got '${engine}'`);
  const useEleven = engine === "elevenlabs" || (engine === "auto" && !!ctx.env.ELEVENLABS_API_KEY);
  if (useEleven && !ctx.env.ELEVENLABS_API_KEY) throw new Error("engine is elevenlabs but ELEVENLABS_API_KEY is not set");
  const folder = ctx.paths.expand(String(ctx.config.folder ?? "$PAI_HOME/user/voice"));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  const file = `${folder}/say-${stamp}.${useEleven ? "mp3" : "wav"}`;
  const bytes = useEleven ? await elevenlabs(ctx, text, file) : await espeak(ctx, text, file);
  let played = false;
  let note = "";
  if (ctx.config.play !== false) {
    const player = useEleven ? "play" : "aplay";
    try {
      const r = await ctx.exec(player, useEleven ? ["-q", file] : ["-q", file], { timeoutMs: 120_000 });
      played = r.code === 0;
      if (!played) note = ` (not played: ${r.stderr.trim().split("\n")[0] || `${player} exit ${r.code}`})`;
    } catch (err) {
      note = ` (not played: ${(err as Error).message})`;
    }
  }
  return {
    output: `Spoke ${text.length} characters with ${useEleven ? "ElevenLabs" : "espeak-ng"}: ${file} (${bytes} bytes)${note}`,
    data: { engine: useEleven ? "elevenlabs" : "espeak-ng", file, bytes, played },
  };
}
