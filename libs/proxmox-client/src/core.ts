import { log as defaultLogger, type Logger } from '@infra/core';
import {
  PVE_RESPONSES,
  type PveOperation,
  type PveRequestParams,
  type PveResponses,
  validateRequest,
} from '@infra/pve-api';
import { Agent } from 'undici';
import { type Authenticator, createAuthenticator } from './auth';
import { KeyedMutex, Semaphore, sleep } from './concurrency';
import { decodeForm, encodeForm, type RequestParams, sendsBody, splitPathParams } from './encoding';
import { errorFromResponse, errorFromTransport, type RawResponse } from './error-mapping';
import {
  PveAuthError,
  PveOutcomeUnknownError,
  PveParameterError,
  PveResponseInvalidError,
  PveTransportError,
  type RequestRef,
} from './errors';
import { multipartBody, type UploadFile } from './multipart';
import { type ProxmoxClientOptions, type RequestInfo, type ResolvedOptions, resolveOptions } from './options';
import { classifyFailure, decideRetry } from './retry';
import { createConnector, resolveTlsPolicy, type TlsPolicy } from './tls';

/** What a write's reconciler found after a lost reply: done (with the value to return) or not done. */
export type Reconciled<T> = { done: true; value: T } | { done: false };

export interface Envelope<T> {
  data: T;
  /** Set by some endpoints, e.g. the task log's line count. */
  total?: number;
}

export interface CallOptions<T> {
  signal?: AbortSignal;
  /**
   * For writes: look at the server after an ambiguous failure (reset, 5xx, lost reply) to learn whether the
   * write took effect. Without it, such a write fails with PVE_OUTCOME_UNKNOWN instead of being repeated.
   */
  reconcile?: () => Promise<Reconciled<T>>;
}

/**
 * The request engine: encoding, auth, TLS, keep-alive, bounded concurrency, typed errors and safe retries.
 * `call(operation, params)` is typed by the generated schema: params by PveRequestParams, the result by the
 * generated zod validator of that operation.
 */
export class PveCore {
  protected readonly options: ResolvedOptions;
  protected readonly logger: Logger;
  /** Serialises lock-heavy operations (clone, template, disk import) per node. */
  protected readonly nodeLocks = new KeyedMutex();
  private readonly agent: Agent;
  private readonly auth: Authenticator;
  private readonly slots: Semaphore;
  private readonly onRequest: ((info: RequestInfo) => void) | undefined;
  readonly tlsPolicy: TlsPolicy;

  constructor(options: ProxmoxClientOptions) {
    this.options = resolveOptions(options);
    this.logger = options.logger ?? defaultLogger;
    this.onRequest = options.onRequest;
    this.tlsPolicy = resolveTlsPolicy(this.options.tls);
    if (this.tlsPolicy.mode === 'insecure') {
      this.logger.warn(
        `TLS certificate verification is OFF for ${this.options.origin} (tls.insecure). Anyone on the network path can impersonate Proxmox and capture the API credentials. Pin the certificate fingerprint instead.`,
      );
    }
    this.agent = new Agent({
      connect: createConnector(this.tlsPolicy, this.options.origin, this.options.timeoutMs),
      connections: this.options.maxConnections,
      keepAliveTimeout: 10_000,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    this.slots = new Semaphore(this.options.maxConcurrency);
    this.auth = createAuthenticator(
      this.options.auth,
      async (params) =>
        (await this.sendOnce('POST /access/ticket', params as RequestParams, 1, undefined, false)).data,
    );
  }

  /** Closes the keep-alive connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  async call<K extends PveOperation>(
    operation: K,
    params: PveRequestParams[K],
    options: CallOptions<PveResponses[K]> = {},
  ): Promise<PveResponses[K]> {
    return (await this.callEnvelope(operation, params, options)).data;
  }

  /** Like `call`, but also returns envelope extras such as `total` (task log line count). */
  async callEnvelope<K extends PveOperation>(
    operation: K,
    params: PveRequestParams[K],
    options: CallOptions<PveResponses[K]> = {},
  ): Promise<Envelope<PveResponses[K]>> {
    const reconcile = options.reconcile;
    const reconcileEnvelope = reconcile
      ? async (): Promise<Reconciled<Envelope<PveResponses[K]>>> => {
          const found = await reconcile();
          return found.done ? { done: true, value: { data: found.value } } : { done: false };
        }
      : undefined;
    const method = operation.slice(0, operation.indexOf(' '));
    let attempts = 0;
    let lockFailures = 0;
    let reconciling = false;
    for (;;) {
      try {
        return await this.sendOnce(
          operation,
          params as RequestParams,
          attempts + lockFailures + 1,
          options.signal,
          true,
        );
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'lock-timeout') lockFailures += 1;
        else attempts += 1;
        // After a lost reply, a definite refusal ("already exists", "already running") may mean our own
        // earlier attempt succeeded: ask the server before reporting it.
        if (reconciling && kind === 'fatal' && reconcileEnvelope) {
          const found = await reconcileEnvelope();
          if (found.done) return found.value;
          throw error;
        }
        const decision = decideRetry(
          { method, kind, attempts, lockFailures, canReconcile: reconcileEnvelope !== undefined },
          this.options.retry,
        );
        if (decision.action === 'fail') {
          if (kind === 'ambiguous' && method !== 'GET')
            throw new PveOutcomeUnknownError(this.ref(operation, params), error);
          throw error;
        }
        if (decision.action === 'reconcile') {
          reconciling = true;
          this.logger.debug(
            `${this.describe(operation, params)}: reply lost (${(error as Error).message}); checking the server`,
          );
          const found = await reconcileEnvelope!();
          if (found.done) return found.value;
          continue;
        }
        this.logger.debug(`${this.describe(operation, params)}: ${kind}, retrying in ${decision.delayMs} ms`);
        await sleep(decision.delayMs, options.signal);
      }
    }
  }

  private ref(operation: string, params: unknown): RequestRef {
    const [method, template] = operation.split(' ') as [string, string];
    try {
      return { method, path: splitPathParams(template, params as RequestParams).path };
    } catch {
      return { method, path: template };
    }
  }

  private describe(operation: string, params: unknown): string {
    const ref = this.ref(operation, params);
    return `${ref.method} ${ref.path}`;
  }

  /** One HTTP exchange (plus one transparent re-login after a 401 with ticket auth). */
  private async sendOnce<K extends PveOperation>(
    operation: K,
    params: RequestParams,
    attempt: number,
    signal: AbortSignal | undefined,
    authenticated: boolean,
  ): Promise<Envelope<PveResponses[K]>> {
    const [method, template] = operation.split(' ') as [string, string];
    const { path, rest } = splitPathParams(template, params);
    const request: RequestRef = { method, path };
    const form = encodeForm(rest);
    const sent = decodeForm(form);
    if (this.options.validateRequests) {
      const errors = validateRequest(method, path, sent);
      if (errors) throw new PveParameterError(request, errors, { local: true });
    }
    if (this.onRequest) {
      // The hook sees parameter names and formats, not the login password.
      const shown = operation === 'POST /access/ticket' ? { ...sent, password: '***' } : sent;
      this.onRequest({ method, path, operation, params: shown, attempt });
    }
    const query = !sendsBody(method) && form.size > 0 ? `?${form.toString()}` : '';
    const url = `${this.options.origin}/api2/json${path}${query}`;
    for (let relogin = 0; ; relogin += 1) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (authenticated) Object.assign(headers, await this.auth.headersFor(method));
      if (sendsBody(method)) headers['content-type'] = 'application/x-www-form-urlencoded';
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const response = await this.slots.run(async () => {
        try {
          const res = await fetch(url, {
            method,
            headers,
            ...(sendsBody(method) ? { body: form.toString() } : {}),
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
            // undici's Agent: keep-alive pool, connection limit and the TLS policy (pinning) for this endpoint.
            // The npm undici's Agent and Node's bundled undici-types declare `compose` differently; Node's
            // fetch takes any Dispatcher at runtime, so only the dispatcher's static type is bridged here.
            dispatcher: this.agent as unknown as NonNullable<RequestInit['dispatcher']>,
          });
          return { status: res.status, statusText: res.statusText, bodyText: await res.text() };
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw errorFromTransport(request, error, this.options.origin);
        }
      });
      if (
        response.status === 401 &&
        authenticated &&
        relogin === 0 &&
        (await this.auth.recoverFromUnauthorized())
      ) {
        continue;
      }
      if (response.status < 200 || response.status >= 300) throw this.responseError(request, response);
      return this.parseData(operation, request, response.bodyText);
    }
  }

  private responseError(request: RequestRef, response: RawResponse): Error {
    const error = errorFromResponse(request, response);
    if (error instanceof PveAuthError && this.auth.kind === 'token') {
      return new PveAuthError(
        request,
        response.statusText,
        'check the API token id (user@realm!name), its secret and its expiry date',
      );
    }
    return error;
  }

  /**
   * A multipart upload (`POST …/storage/{storage}/upload`): the parameters as text parts, then the file
   * streamed from disk in 64 KiB chunks with an exact Content-Length, through the same pool and TLS policy
   * (pin or CA) as every other call. The timeout is a stall timeout (no chunk for `timeoutMs`), not a cap on
   * a multi-GB transfer. Never repeated blindly: a reply lost after the whole body went out is
   * PVE_OUTCOME_UNKNOWN, since Proxmox may already be copying the file.
   */
  protected async upload<K extends PveOperation>(
    operation: K,
    params: PveRequestParams[K],
    file: UploadFile,
    signal?: AbortSignal,
  ): Promise<PveResponses[K]> {
    const [method, template] = operation.split(' ') as [string, string];
    const { path, rest } = splitPathParams(template, params as RequestParams);
    const request: RequestRef = { method, path };
    const sent = decodeForm(encodeForm(rest));
    if (this.options.validateRequests) {
      const errors = validateRequest(method, path, sent);
      if (errors) throw new PveParameterError(request, errors, { local: true });
    }
    this.onRequest?.({ method, path, operation, params: sent, attempt: 1 });
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(sent)) if (name !== 'filename') fields[name] = String(value);
    const url = `${this.options.origin}/api2/json${path}`;
    for (let relogin = 0; ; relogin += 1) {
      const body = multipartBody(fields, file);
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(await this.auth.headersFor(method)),
        'content-type': body.contentType,
        'content-length': String(body.length),
      };
      const stall = new AbortController();
      const timer = setTimeout(
        () => stall.abort(Object.assign(new Error('the upload stalled'), { name: 'TimeoutError' })),
        this.options.timeoutMs,
      );
      const aborts = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
      let bodySent = false;
      const chunks = async function* () {
        for await (const chunk of body.stream(aborts)) {
          timer.refresh();
          yield chunk;
        }
        bodySent = true;
      };
      const response = await this.slots
        .run(async () => {
          try {
            const res = await fetch(url, {
              method,
              headers,
              body: ReadableStream.from(chunks()),
              duplex: 'half',
              signal: aborts,
              dispatcher: this.agent as unknown as NonNullable<RequestInit['dispatcher']>,
            } as RequestInit);
            return { status: res.status, statusText: res.statusText, bodyText: await res.text() };
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            const mapped = errorFromTransport(request, error, this.options.origin);
            if (bodySent && mapped instanceof PveTransportError)
              throw new PveOutcomeUnknownError(request, error);
            throw mapped;
          }
        })
        .finally(() => clearTimeout(timer));
      if (response.status === 401 && relogin === 0 && (await this.auth.recoverFromUnauthorized())) continue;
      if (response.status < 200 || response.status >= 300) throw this.responseError(request, response);
      return this.parseData(operation, request, response.bodyText).data;
    }
  }

  private parseData<K extends PveOperation>(
    operation: K,
    request: RequestRef,
    bodyText: string,
  ): Envelope<PveResponses[K]> {
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new PveResponseInvalidError(request, ['the body is not JSON']);
    }
    if (body === null || typeof body !== 'object' || !('data' in body)) {
      throw new PveResponseInvalidError(request, ['the body has no "data" envelope']);
    }
    const parsed = PVE_RESPONSES[operation].safeParse((body as { data: unknown }).data);
    if (!parsed.success) {
      throw new PveResponseInvalidError(
        request,
        parsed.error.issues.map((i) => `data${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`),
      );
    }
    const total = (body as { total?: unknown }).total;
    const envelope: Envelope<PveResponses[K]> = { data: parsed.data as PveResponses[K] };
    if (total !== undefined && Number.isFinite(Number(total))) envelope.total = Number(total);
    return envelope;
  }
}
