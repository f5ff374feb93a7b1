import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isInfraError, type Logger } from '@infra/core';
import { checkApiPermissions } from '../auth/api-check';
import { authenticate } from '../auth/authenticate';
import type { Caller } from '../auth/permissions';
import type { RequestContext, SimCore } from '../core';
import { dieError, isPveApiError, notImplemented, PveApiError, paramError } from '../errors';
import { type RequestLog, schemaVerdict } from '../request-log';
import type { RequestValidator } from '../validation';
import { multipartBoundary } from './multipart';
import { assertNodeReachable } from './node-check';
import { extractParams, type Params, readBody } from './params';
import { sendError, sendResult } from './respond';
import type { Router } from './router';
import { receiveUpload } from './upload-receive';

export interface PipelineDeps {
  core: SimCore;
  router: Router;
  validator: RequestValidator;
  requestLog: RequestLog;
  log?: Logger;
}

const API_PREFIX = '/api2/json';

function decodePath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

/**
 * One API request, in pve-http-server's order: faults (latency, reset, 5xx) → parameters → authentication
 * (401) → route (501) → node reachability (595/596) → token allowed? → permission check from the official
 * table (403) → parameter validation (400) → handler (its own checks: 403/500) → `{"data": …}`.
 */
export async function handleApiRequest(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { core, router, validator, requestLog } = deps;
  const method = (req.method ?? 'GET').toUpperCase();
  const rawPath = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, '') || '/';
  const path = decodePath(rawPath);
  let status = 0;
  let paramNames: string[] = [];
  let sent: Record<string, unknown> = {};
  const faults = core.faults.forRequest(method, path);
  // A multipart upload's temp file: the handler's task takes it over; any failure before that removes it.
  let uploadFile: string | undefined;
  try {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.reset === 'before') {
      req.socket.destroy();
      return;
    }
    if (faults.error) {
      status = faults.error.status;
      sendError(req, res, status, faults.error.message, faults.error.errors);
      return;
    }
    let result: { data: unknown; total?: number };
    try {
      const params = await requestParams(method, url, req, core.store.stateDir);
      uploadFile = params.uploadFile;
      delete params.uploadFile;
      paramNames = Object.keys(params);
      sent = params;
      const match = router.match(method, rawPath);
      const official = validator.describe(method, rawPath);
      let caller: Caller | null = null;
      if (!match?.route.public) {
        caller = authenticate(method, req.headers, core.store.state, {
          ticketLifetimeSeconds: core.timing.ticketLifetimeSeconds,
        });
      }
      if (!match) throw notImplemented(method, path);
      const allParams = { ...params, ...match.pathParams };
      if (match.pathParams.node !== undefined) assertNodeReachable(core.store.state, match.pathParams.node);
      if (caller) {
        const allowtoken = official?.allowtoken ?? match.route.allowtoken ?? true;
        if (caller.via === 'token' && !allowtoken) {
          throw new PveApiError(
            403,
            `Permission check failed (URI '${path}' not available with API token, need proper ticket.\n)`,
          );
        }
        checkApiPermissions(official?.permissions ?? match.route.permissions, caller, allParams, core.perms);
      }
      const errors = validator.validate(method, rawPath, params);
      if (errors) throw paramError(errors);
      const ctx: RequestContext = {
        core,
        state: core.store.state,
        method,
        path,
        template: match.route.template,
        params: allParams,
        caller: caller ?? { authId: '', userid: '', via: 'ticket' },
      };
      result = await match.route.handler(ctx);
      uploadFile = undefined;
    } catch (error) {
      if (uploadFile) await rm(uploadFile, { force: true });
      const failure = toApiError(error, deps.log);
      status = failure.status;
      if (status === 401 && core.timing.authFailureDelayMs > 0) await sleep(core.timing.authFailureDelayMs);
      if (faults.reset === 'after') {
        req.socket.destroy();
        return;
      }
      sendError(req, res, failure.status, failure.message, failure.errors);
      return;
    }
    if (faults.reset === 'after') {
      status = 200;
      req.socket.destroy();
      return;
    }
    status = 200;
    const body: Record<string, unknown> = { data: result.data ?? null };
    if (result.total !== undefined) body.total = result.total;
    sendResult(req, res, body);
  } finally {
    if (requestLog.enabled)
      requestLog.record(method, path, paramNames, status, schemaVerdict(method, rawPath, sent));
  }
}

/**
 * The request's parameters: a multipart body is streamed by `receiveUpload` (its file part to a temp file,
 * returned as `uploadFile`), anything else is read whole. `tmpfilename` only ever comes from the upload
 * handling itself, as on pveproxy's untrusted port.
 */
async function requestParams(
  method: string,
  url: URL,
  req: IncomingMessage,
  stateDir: string,
): Promise<Params & { uploadFile?: string }> {
  const boundary = method === 'POST' ? multipartBoundary(req.headers['content-type']) : undefined;
  if (!boundary) {
    const params = extractParams(method, url.searchParams, req.headers['content-type'], await readBody(req));
    if (params.tmpfilename !== undefined)
      throw paramError({ tmpfilename: 'only the upload handling of pveproxy may set this parameter' });
    return params;
  }
  const received = await receiveUpload(req, boundary, stateDir);
  const query = extractParams(method, url.searchParams, undefined, Buffer.alloc(0));
  delete query.tmpfilename;
  return {
    ...received.params,
    ...query,
    ...(received.hostFile ? { uploadFile: received.hostFile } : {}),
  };
}

function toApiError(error: unknown, log?: Logger): PveApiError {
  if (isPveApiError(error)) return error;
  if (isInfraError(error)) return dieError(error.message);
  const message = error instanceof Error ? error.message : String(error);
  log?.warn(`pve-sim: unexpected handler failure: ${message}`);
  return dieError(message);
}
