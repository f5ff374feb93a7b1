import { InfraError, redact, runProcess } from '@infra/core';
import type { SopsErrorCode } from './error-codes';
import type { Secrets } from './secrets-schema';

/**
 * Secrets reach child processes (tofu, packer, ansible) through their environment or an inherited file
 * descriptor: never argv (world-readable in `ps` and /proc/<pid>/cmdline), never a file left on disk.
 */

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `{ proxmox_token: 'x' }` → `{ TF_VAR_proxmox_token: 'x' }` (OpenTofu) or `PKR_VAR_...` (Packer). */
export function toolVariables(
  prefix: 'TF_VAR_' | 'PKR_VAR_',
  variables: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new InfraError<SopsErrorCode>(
        'SECRET_VARIABLE_NAME',
        `"${name}" cannot be an OpenTofu/Packer variable name`,
        {
          hint: 'use letters, digits and underscores, not starting with a digit',
        },
      );
    }
    env[`${prefix}${name}`] = value;
  }
  return env;
}

/** The API token in the form the Proxmox API and the bpg provider take: `user@realm!name=secret`. */
export function proxmoxApiToken(secrets: Pick<Secrets, 'proxmox'>): string {
  return `${secrets.proxmox.tokenId}=${secrets.proxmox.tokenSecret}`;
}

/** Environment the bpg/proxmox OpenTofu provider reads its token from. */
export function tofuProxmoxEnv(secrets: Pick<Secrets, 'proxmox'>): Record<string, string> {
  return { PROXMOX_VE_API_TOKEN: proxmoxApiToken(secrets) };
}

/** Environment the Packer Proxmox plugin reads (token auth: username = token id, token = secret). */
export function packerProxmoxEnv(secrets: Pick<Secrets, 'proxmox'>): Record<string, string> {
  return { PROXMOX_USERNAME: secrets.proxmox.tokenId, PROXMOX_TOKEN: secrets.proxmox.tokenSecret };
}

/**
 * Refuses a command line that carries a registered secret or a known token shape. Uses the redactor as the
 * oracle, so anything it would mask in a log is also kept off argv.
 */
export function assertNoSecretsInArgs(command: string, args: readonly string[]): void {
  for (const [index, arg] of [command, ...args].entries()) {
    if (redact(arg) !== arg) {
      throw new InfraError<SopsErrorCode>(
        'SECRET_ON_COMMAND_LINE',
        `refusing to run ${command}: argument ${index} carries a secret (command lines are visible to every user)`,
        {
          hint: 'hand secrets over with toolVariables()/env or runWithSecrets({ fds })',
        },
      );
    }
  }
}

export interface RunWithSecretsOptions {
  /** Secret (and other) variables set for the child, over the core runner's minimal base environment. */
  env?: Record<string, string>;
  /**
   * Secrets written to extra inherited descriptors, in order: the first is fd 3, the next fd 4, ... The child
   * reads them from the descriptor (`read -r token <&3`, `fs.readFileSync(3)`). For tools that need a path
   * they can open more than once, see withSecretFifo.
   */
  fds?: string[];
  cwd?: string;
  /** Feed the child's stdin (default: nothing). */
  input?: string;
  /** Stream the child's output to our stderr, line by line through the redactor (default true). */
  stream?: boolean;
}

export interface RunWithSecretsResult {
  exitCode: number;
  /** Redacted output, for error messages and tests. */
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool with secrets in its environment or on inherited descriptors, after refusing any that would be
 * on its command line. The core runner does the rest (minimal environment, redacted output, TOOL_MISSING).
 */
export async function runWithSecrets(
  command: string,
  args: readonly string[],
  options: RunWithSecretsOptions = {},
): Promise<RunWithSecretsResult> {
  assertNoSecretsInArgs(command, args);
  const { exitCode, stdout, stderr } = await runProcess(command, args, {
    output: (options.stream ?? true) ? 'stream' : 'capture',
    ...(options.env ? { env: options.env } : {}),
    ...(options.fds ? { fds: options.fds } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { exitCode, stdout, stderr };
}
