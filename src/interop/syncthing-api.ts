/**
 * Applies a folder plan (`syncthing.ts`) to the local Syncthing through its REST API: the devices to share with
 * are added when Syncthing does not know them yet (found by global discovery, or by address once they connect),
 * the folder is posted to `/rest/config/folders` over what Syncthing already has for it (its other settings and
 * devices are kept), and the plan's ignore patterns are added to the folder's own.
 */
import { EnvironmentError, UserError } from "../kernel/errors.ts";
import { folderForApi, mergedIgnores, type SyncthingFolderPlan } from "./syncthing.ts";

export interface ApplyOptions {
  api: string;
  apiKey: string;
  plan: SyncthingFolderPlan;
  /** The encryption password every trusting device gives the untrusted ones. */
  password?: string;
}

export interface ApplyResult {
  api: string;
  /** The local Syncthing's device id: what the other devices share with. */
  deviceId: string;
  folderId: string;
  path: string;
  created: boolean;
  devicesAdded: string[];
  sharedWith: string[];
  ignores: string[];
}

async function call<T>(o: ApplyOptions, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const url = `${o.api.replace(/\/+$/, "")}${path}`;
  const loopbackTls = /^https:\/\/(127\.|localhost[:/]|\[::1\])/.test(url);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { "X-API-Key": o.apiKey, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
      // Syncthing's GUI certificate is self-signed; trusted only on this machine's loopback.
      ...(loopbackTls ? { tls: { rejectUnauthorized: false } } : {}),
    } as RequestInit);
  } catch (err) {
    throw new EnvironmentError(`Syncthing's API at ${o.api} did not answer (${(err as Error).message})`, {
      hint: "start Syncthing, or pass --api URL (its GUI address, e.g. http://127.0.0.1:8384)",
    });
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new UserError(`Syncthing's API at ${o.api} refused the API key`, { hint: "pass --api-key KEY (Syncthing: Actions > Settings > GUI > API Key)" });
  }
  if (res.status >= 400 && res.status !== 404) {
    throw new EnvironmentError(`Syncthing's API: ${method} ${path} answered ${res.status}: ${text.trim().slice(0, 200)}`, {
      hint: "see Syncthing's log; nothing else was changed by this step",
    });
  }
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {}
  return { status: res.status, data: data as T };
}

export async function applySyncthingFolder(o: ApplyOptions): Promise<ApplyResult> {
  const status = await call<{ myID?: string }>(o, "GET", "/rest/system/status");
  const deviceId = status.data?.myID;
  if (!deviceId) throw new EnvironmentError(`${o.api} does not answer as Syncthing's API`, { hint: "pass --api URL: Syncthing's GUI address" });

  const folders = (await call<Record<string, unknown>[]>(o, "GET", "/rest/config/folders")).data;
  const existing = folders.find((f) => f.id === o.plan.id);
  const samePath = folders.find((f) => f.id !== o.plan.id && String(f.path).replace(/\/+$/, "") === o.plan.path.replace(/\/+$/, ""));
  if (samePath) {
    throw new UserError(`Syncthing already has the folder '${samePath.id}' at ${o.plan.path}`, {
      hint: `use the same folder id on every device: pai sync setup-syncthing --apply --folder-id ${samePath.id}, or remove that folder in Syncthing`,
    });
  }

  const known = new Set((await call<{ deviceID: string }[]>(o, "GET", "/rest/config/devices")).data.map((d) => d.deviceID));
  const devicesAdded: string[] = [];
  for (const s of o.plan.shareWith) {
    if (known.has(s.deviceId) || s.deviceId === deviceId) continue;
    await call(o, "POST", "/rest/config/devices", { deviceID: s.deviceId, addresses: ["dynamic"], untrusted: s.untrusted });
    devicesAdded.push(s.deviceId);
  }
  for (const s of o.plan.shareWith.filter((x) => x.untrusted && known.has(x.deviceId))) {
    await call(o, "PATCH", `/rest/config/devices/${s.deviceId}`, { untrusted: true });
  }

  const folder = folderForApi(o.plan, deviceId, existing, o.password);
  await call(o, "POST", "/rest/config/folders", folder);

  const id = encodeURIComponent(o.plan.id);
  const current = (await call<{ ignore?: string[] | null }>(o, "GET", `/rest/db/ignores?folder=${id}`)).data?.ignore ?? [];
  const ignores = mergedIgnores(current, o.plan);
  if (ignores.length !== current.length) await call(o, "POST", `/rest/db/ignores?folder=${id}`, { ignore: ignores });

  return {
    api: o.api,
    deviceId,
    folderId: o.plan.id,
    path: String(folder.path),
    created: !existing,
    devicesAdded,
    sharedWith: (folder.devices as { deviceID: string }[]).map((d) => d.deviceID).filter((d) => d !== deviceId),
    ignores,
  };
}
