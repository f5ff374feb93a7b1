import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import type { Secrets } from '@infra/sops-secrets';
import type { DeployErrorCode } from './error-codes';

/**
 * Where an environment's state lives. The root module declares the backend type (`backend "local" {}`,
 * `backend "pg" {}`, `backend "s3" {...}`); the stage fills in what differs per clone or is secret:
 *   local: `.infra/tofu/<env>/terraform.tfstate` (the embedded default; ignored by git);
 *   pg:    the connection URL from the SOPS file (`tofu.pgConnStr` → PG_CONN_STR), one schema per env;
 *          PostgreSQL advisory locks serialise concurrent applies;
 *   s3:    any S3-compatible store; bucket/key/endpoint/`use_lockfile` in the module, the key pair from the
 *          SOPS file (`tofu.s3` → AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
 * Secrets only ever travel in the child environment, never in argv or a file.
 */
export type BackendKind = 'local' | 'pg' | 's3';

export interface BackendSetup {
  kind: BackendKind;
  /** `-backend-config=…` arguments for `tofu init` (no secrets). */
  initArgs: string[];
  /** Secret variables for the tofu process. */
  env: Record<string, string>;
  /** For messages: where the state is. */
  describe: string;
}

const BACKEND_BLOCK = /^\s*backend\s+"([a-z0-9_]+)"/m;

/** The backend type the root module declares; `local` when it declares none. */
export async function declaredBackend(rootDir: string): Promise<{ kind: string; file?: string }> {
  const files = (await readdir(rootDir)).filter((f) => f.endsWith('.tf')).sort();
  for (const file of files) {
    const match = BACKEND_BLOCK.exec(await readFile(join(rootDir, file), 'utf8'));
    if (match) return { kind: match[1]!, file };
  }
  return { kind: 'local' };
}

export function backendSetup(
  declared: { kind: string; file?: string },
  context: { rootLabel: string; envName: string; stateDir: string; secretsFile: string; secrets: Secrets },
): BackendSetup {
  const tofu = context.secrets.tofu;
  switch (declared.kind) {
    case 'local': {
      const path = join(context.stateDir, 'terraform.tfstate');
      return { kind: 'local', initArgs: [`-backend-config=path=${path}`], env: {}, describe: path };
    }
    case 'pg': {
      if (!tofu?.pgConnStr)
        throw new InfraError<DeployErrorCode>(
          'DEPLOY_BACKEND_SECRET_MISSING',
          `${context.secretsFile}: tofu.pgConnStr is required: ${context.rootLabel}/${declared.file} uses the pg backend`,
          {
            hint: 'add tofu.pgConnStr: postgres://user:password@host:5432/db with `./infra secrets edit <file>`',
          },
        );
      const schema = `infra_${context.envName.replace(/[^a-z0-9_]/gi, '_')}`;
      return {
        kind: 'pg',
        initArgs: [`-backend-config=schema_name=${schema}`],
        env: { PG_CONN_STR: tofu.pgConnStr },
        describe: `PostgreSQL schema ${schema}`,
      };
    }
    case 's3':
      return {
        kind: 's3',
        initArgs: [],
        env: tofu?.s3
          ? { AWS_ACCESS_KEY_ID: tofu.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: tofu.s3.secretAccessKey }
          : {},
        describe: `the s3 backend of ${context.rootLabel}/${declared.file}`,
      };
    default:
      throw new InfraError<DeployErrorCode>(
        'DEPLOY_BACKEND_UNSUPPORTED',
        `${context.rootLabel}/${declared.file}: backend "${declared.kind}" is not supported by the deploy stage`,
        { hint: 'use backend "local" (embedded), "pg" (PostgreSQL) or "s3" (S3-compatible)' },
      );
  }
}
