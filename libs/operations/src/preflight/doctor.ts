import type { Environment } from '@infra/config';
import { isInfraError, type Logger } from '@infra/core';
import type { ProxmoxErrorCode } from '@infra/proxmox-client';
import { judgeHost, privilegePaths } from './checks';
import type { Finding, Wanted } from './facts';
import { observeHost } from './observe';

export interface DoctorOptions {
  environment: Environment;
  logger?: Logger;
  /** Where SOPS keys (and the simulator's testing hook) are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface DoctorReport {
  environment: string;
  endpoint: string;
  ok: boolean;
  findings: Finding[];
}

export function wantedOf(environment: Environment, tokenId: string): Wanted {
  return {
    configLabel: `${environment.configFile}: environments.${environment.name}`,
    tokenId,
    node: environment.proxmox.node,
    bridge: environment.proxmox.bridge,
    imageStorage: environment.proxmox.storage.images,
    diskStorage: environment.proxmox.storage.disks,
    vmidRange: environment.templates.vmidRange,
    gpu: {
      mapping: environment.gpu.mapping,
      vendor: environment.gpu.selector.vendor.toLowerCase(),
      class: environment.gpu.selector.class.toLowerCase(),
    },
    talosVersion: environment.talos.version,
    ...(environment.talos.kubernetesVersion
      ? { kubernetesVersion: environment.talos.kubernetesVersion }
      : {}),
  };
}

/** The fix for a connection that failed before any check could run. */
function connectionFinding(error: unknown, environment: Environment): Finding {
  const code = isInfraError(error) ? error.code : 'UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  const url = URL.canParse(environment.proxmox.endpoint) ? new URL(environment.proxmox.endpoint) : undefined;
  const host = url?.hostname ?? environment.proxmox.endpoint;
  const port = url?.port || '8006';
  // Keyed by the client's union, so a misspelt code is a type error; other codes simply have no fix here.
  const fixes: Partial<Record<ProxmoxErrorCode, string>> = {
    TLS_FINGERPRINT_MISMATCH: `ssh root@${host} pvenode cert info --output-format json   # pin its fingerprint as proxmox.tls.fingerprint`,
    PVE_UNREACHABLE: `ssh root@${host} systemctl restart pveproxy   # pveproxy serves the API; check from here with: curl -skv https://${host}:${port}/api2/json/version`,
    PVE_AUTH_FAILED: `pveum user token add <user@realm> <name> --privsep 0   # then store its id and secret: ./infra secrets edit -e ${environment.name}`,
  };
  const fix =
    fixes[code as ProxmoxErrorCode] ?? (code.startsWith('TLS_') ? fixes.TLS_FINGERPRINT_MISMATCH : undefined);
  return {
    check: 'endpoint',
    status: 'fail',
    message: `${environment.proxmox.endpoint}: ${message}`,
    ...(fix ? { fix } : {}),
  };
}

/**
 * One read-only pass over the environment's host: the endpoint and its TLS, then every check of checks.ts.
 * Problems are findings, not exceptions; only bad local input (config, secrets) throws.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { environment } = options;
  const [{ connectProxmox }] = await Promise.all([import('@infra/proxmox-connect')]);
  const base = { environment: environment.name, endpoint: environment.proxmox.endpoint };
  let connection: Awaited<ReturnType<typeof connectProxmox>> | undefined;
  try {
    connection = await connectProxmox(environment, {
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.env ? { env: options.env } : {}),
      retry: { getAttempts: 2 },
    });
    const wanted = wantedOf(environment, connection.secrets.proxmox.tokenId);
    // Changes nothing on a real host; the embedded one is the demo of a host set up as the README says.
    await connection.host.prepareImageStorage(connection.client, environment.proxmox.storage.images);
    const version = await connection.client.version();
    const reached: Finding = {
      check: 'endpoint',
      status: 'ok',
      message: `${connection.embedded ? 'embedded simulator' : connection.endpoint} answers (PVE ${version.version}), TLS verified`,
    };
    const facts = await observeHost(connection.client, wanted, privilegePaths(wanted)).catch(
      (error: unknown) => error as Error,
    );
    if (facts instanceof Error) {
      const failed: Finding = { check: 'inventory', status: 'fail', message: facts.message };
      return { ...base, ok: false, findings: [reached, failed] };
    }
    const findings: Finding[] = [reached, ...judgeHost(facts, wanted)];
    return { ...base, ok: findings.every((f) => f.status !== 'fail'), findings };
  } catch (error) {
    if (isInfraError(error) && /^(CONFIG|SOPS|SECRETS)_/.test(error.code)) throw error;
    return { ...base, ok: false, findings: [connectionFinding(error, environment)] };
  } finally {
    await connection?.close();
  }
}

/** The report as a table for a terminal: one line per check, the fix under each failure. */
export function formatDoctorReport(report: DoctorReport): string {
  const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  const lines = [`doctor: ${report.environment} (${report.endpoint})`];
  for (const f of report.findings) {
    lines.push(`  ${mark[f.status]}  ${f.check.padEnd(26)} ${f.message}`);
    if (f.fix && f.status !== 'ok') lines.push(`        fix: ${f.fix}`);
  }
  const failed = report.findings.filter((f) => f.status === 'fail').length;
  lines.push(failed === 0 ? 'doctor: all checks passed' : `doctor: ${failed} check(s) failed`);
  return lines.join('\n');
}
