import { request } from 'node:https';
import { gunzipSync } from 'node:zlib';

/**
 * A deliberately tiny HTTPS client for the simulator's own tests (and quick experiments): it trusts only the
 * simulator's CA, encodes parameters the way PVE clients do (form with repeated keys, or JSON), and returns
 * status, reason phrase and parsed body. It is not the project's Proxmox client (`@infra/proxmox-client`).
 */
export interface SimEndpoint {
  url: string;
  caPem: string;
}

export interface SimResponse {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: { data?: unknown; message?: string; errors?: Record<string, string>; total?: number } | null;
}

export interface SimRequestOptions {
  /** Full Authorization header value, e.g. `PVEAPIToken=…`. */
  auth?: string;
  cookie?: string;
  csrf?: string;
  params?: Record<string, unknown>;
  json?: boolean;
  headers?: Record<string, string>;
  /** A body sent as is (e.g. multipart); set its Content-Type in `headers`. */
  rawBody?: Buffer;
}

function formEncode(params: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value])
      form.append(key, typeof item === 'boolean' ? (item ? '1' : '0') : String(item));
  }
  return form.toString();
}

export function simRequest(
  sim: SimEndpoint,
  method: string,
  path: string,
  options: SimRequestOptions = {},
): Promise<SimResponse> {
  const params = options.params ?? {};
  const hasBody = method === 'POST' || method === 'PUT';
  const query = !hasBody && Object.keys(params).length > 0 ? `?${formEncode(params)}` : '';
  const body =
    options.rawBody ?? (hasBody ? (options.json ? JSON.stringify(params) : formEncode(params)) : '');
  const headers: Record<string, string> = { 'Accept-Encoding': 'gzip', ...options.headers };
  if (options.auth) headers.Authorization = options.auth;
  if (options.cookie) headers.Cookie = `PVEAuthCookie=${encodeURIComponent(options.cookie)}`;
  if (options.csrf) headers.CSRFPreventionToken = options.csrf;
  if (hasBody) {
    headers['Content-Type'] ??= options.json ? 'application/json' : 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  const url = new URL(`/api2/json${path}${query}`, sim.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: sim.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let raw = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const text = raw.toString('utf8');
        let parsed: SimResponse['body'] = null;
        try {
          parsed = text ? (JSON.parse(text) as SimResponse['body']) : null;
        } catch {
          parsed = null;
        }
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          text,
          body: parsed,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls a task until it stops; returns its final status object. */
export async function waitForTask(
  sim: SimEndpoint,
  auth: string,
  upid: string,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const node = upid.split(':')[1]!;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await simRequest(sim, 'GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`, {
      auth,
    });
    const data = res.body?.data as Record<string, unknown> | undefined;
    if (data?.status === 'stopped') return data;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${upid} did not finish within ${timeoutMs} ms`);
}

/** The `data` of a response, for tests (throws when there is no JSON body). */
export function dataOf<T>(res: SimResponse): T {
  if (!res.body) throw new Error(`no JSON body (HTTP ${res.status} ${res.statusMessage})`);
  return res.body.data as T;
}
