import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '@infra/config';
import { InfraError, type Logger, writeFileAtomic } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import { toolTrust } from '@infra/proxmox-connect';
import { loadSecrets, runWithSecrets, toolEnvironment } from '@infra/sops-secrets';
import {
  findOnPath,
  generateEphemeralSshKey,
  packerVariables,
  type ToolEnv,
  toolchainEnvironment,
  toPackerEnv,
} from '@infra/validators';
import type { TemplateBuilderErrorCode } from '../error-codes';
import { pickVmid } from '../plan';

/**
 * The golden stage's Packer run: `packer build packer/<os>/` clones the base template, provisions it and makes
 * the golden template. It needs a Proxmox host that runs guests and the hashicorp/proxmox plugin, so it is
 * skipped (with the reason) on a host that runs no guests, when the plugin is missing, or on request.
 */
export const PROXMOX_PLUGIN = 'github.com/hashicorp/proxmox';

/** Variables that hold secrets: they reach Packer only through the 0600 var file. */
const SECRET_VARIABLES = new Set(['build_password', 'autounattend_xml']);

/** 24 random characters from four classes, so Windows' password policy always accepts it. */
function oneTimePassword(): string {
  const body = randomBytes(18).toString('base64url');
  return `${body}aA1!`;
}

export type PackerStageResult =
  | { status: 'skipped'; reason: string }
  | { status: 'built'; templateVmid: number; baseVmid?: number };

export interface PackerReadiness {
  baseOnly: boolean;
  /** The host boots VMs (the embedded simulator does not: its HostAdapter says so). */
  runsGuests: boolean;
  packerFound: boolean;
  pluginInstalled: boolean;
}

/**
 * Why the Packer stage cannot or should not run, or undefined when it runs. Checked in this order. `result` names
 * what the build leaves instead (the base template, or an ISO OS's install media).
 */
export function packerSkipReason(
  r: PackerReadiness,
  result = 'the base template is the result',
): string | undefined {
  if (r.baseOnly) return '--base-only: stopping after the base template';
  if (!r.runsGuests) {
    return `Packer stage skipped: the embedded Proxmox simulator runs no guests, so there is no VM for Packer to boot and provision; ${result}`;
  }
  if (!r.packerFound) {
    return `Packer stage skipped: packer is not installed (run \`./infra toolchain install\`); ${result}`;
  }
  if (!r.pluginInstalled) {
    return `Packer stage skipped: the ${PROXMOX_PLUGIN} plugin is not installed (\`./infra setup\` builds it from the pinned source archive); ${result}`;
  }
  return undefined;
}

/** `packer plugins installed` lists one path per plugin binary, e.g. `…/github.com/hashicorp/proxmox/packer-plugin-proxmox_v1.2.2_x5.0_linux_amd64`. */
export function hasProxmoxPlugin(pluginsInstalledOutput: string): boolean {
  return pluginsInstalledOutput.split('\n').some((line) => line.includes(`${PROXMOX_PLUGIN}/`));
}

export async function packerReadiness(
  host: Pick<PackerReadiness, 'baseOnly' | 'runsGuests'>,
  toolEnv: ToolEnv = toolchainEnvironment(),
): Promise<PackerReadiness> {
  const readiness = { ...host, packerFound: false, pluginInstalled: false };
  if (host.baseOnly || !host.runsGuests) return readiness;
  const packer = await findOnPath('packer', toolEnv);
  if (!packer) return readiness;
  const listed = await runWithSecrets(packer, ['plugins', 'installed'], {
    env: toolEnvironment('packer', { from: toolEnv }),
    stream: false,
  });
  return {
    ...readiness,
    packerFound: true,
    pluginInstalled: listed.exitCode === 0 && hasProxmoxPlugin(listed.stdout),
  };
}

/**
 * Runs `packer build` in `packer/<os>/`. Packer gets only its own variables (toolEnvironment), and the token
 * not even there: whatever Packer runs (shell-local → ansible-playbook) inherits its environment. The token is
 * a `-var-file` and the build user's key a file, both 0600 in a 0700 temp dir that is removed afterwards.
 * TLS: the plugin verifies the host through `SSL_CERT_FILE`, the certificate the host presented once its pin
 * checked out in TypeScript (or the configured CA file); verification is never switched off for a pin.
 */
export async function runPackerBuild(
  environment: Environment,
  os: string,
  client: ProxmoxClient,
  /** The base template a `proxmox-clone` build clones; none for a `proxmox-iso` build (the media are the base). */
  baseVmid: number | undefined,
  options: { logger?: Logger; toolEnv?: ToolEnv } = {},
): Promise<PackerStageResult> {
  const secrets = await loadSecrets(environment);
  const used = (await client.clusterResources('vm'))
    .map((r) => r.vmid)
    .filter((id) => typeof id === 'number');
  const templateVmid = pickVmid(
    environment.templates.vmidRange,
    used as number[],
    baseVmid === undefined ? [] : [baseVmid],
  );
  const trust = await toolTrust(environment.proxmox.endpoint, environment.proxmox.tls ?? {});
  const keyDir = await mkdtemp(join(tmpdir(), 'infra-packer-'));
  try {
    await chmod(keyDir, 0o700);
    const key = generateEphemeralSshKey(`infra-packer-${os}`);
    const keyFile = join(keyDir, 'id_ed25519');
    await writeFileAtomic(keyFile, key.privateKeyPem, { mode: 0o600 });
    const variables = packerVariables(environment, os, {
      sshPrivateKeyFile: keyFile,
      sshPublicKey: key.publicKey,
      tokenId: secrets.proxmox.tokenId,
      ...(baseVmid !== undefined ? { baseVmId: baseVmid } : {}),
      templateVmId: templateVmid,
      // Windows: this build's one-time Administrator password (cloudbase-init gives each clone its own).
      ...(os === 'windows' ? { windowsBuildPassword: oneTimePassword() } : {}),
    });
    // Secrets go into the 0600 var file, never into Packer's environment (which provisioners inherit).
    const secret = Object.fromEntries(
      Object.entries(variables).filter(([name]) => SECRET_VARIABLES.has(name)),
    );
    const plain = Object.fromEntries(
      Object.entries(variables).filter(([name]) => !SECRET_VARIABLES.has(name)),
    );
    const env = toolEnvironment('packer', {
      from: options.toolEnv ?? toolchainEnvironment(),
      env: { ...toPackerEnv(plain), ...trust.env },
    });
    const tokenFile = join(keyDir, 'token.pkrvars.json');
    await writeFileAtomic(
      tokenFile,
      JSON.stringify({ proxmox_token: secrets.proxmox.tokenSecret, ...secret }),
      { mode: 0o600 },
    );
    const from = baseVmid === undefined ? 'the install media' : `base VM ${baseVmid}`;
    options.logger?.step(`packer build packer/${os} (${from} → template VM ${templateVmid})`);
    const run = await runWithSecrets('packer', ['build', '-color=false', `-var-file=${tokenFile}`, '.'], {
      env,
      cwd: join(environment.repoRoot, 'packer', os),
      // stdout is the script's result (--json); Packer's (redacted) output goes to the log instead.
      stream: false,
    });
    for (const line of `${run.stdout}\n${run.stderr}`.split('\n').filter(Boolean))
      options.logger?.info(`packer: ${line}`);
    if (run.exitCode !== 0) {
      const tail =
        run.stderr.trim().split('\n').slice(-5).join('\n') ||
        run.stdout.trim().split('\n').slice(-5).join('\n');
      throw new InfraError<TemplateBuilderErrorCode>(
        'PACKER_BUILD_FAILED',
        `packer build packer/${os} exited with ${run.exitCode}:\n${tail}`,
        {
          hint: `the base (${from}) is kept; fix the cause and run the build again (Packer removes its build VM on failure)`,
          details: { ...(baseVmid !== undefined ? { baseVmid } : {}), templateVmid },
        },
      );
    }
    return { status: 'built', templateVmid, ...(baseVmid !== undefined ? { baseVmid } : {}) };
  } finally {
    await rm(keyDir, { recursive: true, force: true });
    await trust.dispose();
  }
}
