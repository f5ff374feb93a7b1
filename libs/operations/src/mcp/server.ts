import type { Environment } from '@infra/config';
import { isInfraError, type Logger, redact } from '@infra/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { formatDrift } from '../drift/compare';
import { runDrift } from '../drift/drift';
import { gpuPlanFromFacts } from '../gpu-plan';
import { deployPlanSummary } from '../plan-summary';
import { formatDoctorReport, runDoctor } from '../preflight/doctor';
import { readBuildRecords } from './build-records';

export interface McpOptions {
  /** Loads an environment of infra.config.yaml (the script passes @infra/config's loadEnvironment). */
  loadEnvironment(name: string): Promise<Environment>;
  /** The Talos template's wanted fingerprint tag (the script passes @infra/deploy's talosTemplate). */
  talosTag(environment: Environment): Promise<string>;
  /** Off unless the server was started with the explicit flag (`--allow-mutations`). */
  allowMutations: boolean;
  /** The tools that change things; called only when allowed and confirmed. */
  mutations: {
    buildImage(environment: Environment, os: string): Promise<unknown>;
    apply(environment: Environment): Promise<unknown>;
  };
  logger: Logger;
  /** The environment tools use when a call names none, and the one the config resource shows. */
  defaultEnvironment: string;
}

/** Every text leaves through the redactor: tokens, passphrases and keys the process knows never appear. */
const text = (value: unknown) => ({
  content: [
    {
      type: 'text' as const,
      text: redact(typeof value === 'string' ? value : JSON.stringify(value, null, 2)),
    },
  ],
});
const refused = (message: string) => ({ ...text(message), isError: true });
/** A tool's failure as one redacted line with its code and hint (not the SDK's raw `error.message`). */
const failed = (error: unknown) =>
  refused(
    isInfraError(error)
      ? `${error.message} [${error.code}]${error.hint ? `\nhint: ${error.hint}` : ''}`
      : error instanceof Error
        ? error.message
        : String(error),
  );

type ToolResult = ReturnType<typeof text> | ReturnType<typeof refused>;
/** Every tool fails the same way: a redacted line with code and hint, never a stack or a raw message. */
const guarded =
  <A>(run: (args: A) => Promise<ToolResult>) =>
  async (args: A): Promise<ToolResult> => {
    try {
      return await run(args);
    } catch (error) {
      return failed(error);
    }
  };

/** The resolved environment without anything secret: the secrets file is named, never read. */
function describeEnvironment(environment: Environment) {
  const { repoRoot: _root, ...shown } = environment;
  return shown;
}

export function createMcpServer(options: McpOptions): McpServer {
  const server = new McpServer({ name: 'infra', version: '0.0.0' });
  const load = (name: string) => options.loadEnvironment(name);
  const envArg = {
    env: z.string().default(options.defaultEnvironment).describe('environment of infra.config.yaml'),
  };

  server.registerTool(
    'describe_config',
    { description: 'The resolved infra.config.yaml environment (no secret values)', inputSchema: envArg },
    guarded(async ({ env }) => text(describeEnvironment(await load(env)))),
  );
  server.registerTool(
    'list_templates',
    {
      description: 'Templates on the cluster that this project built, with their fingerprint tags',
      inputSchema: envArg,
    },
    guarded(async ({ env }) => {
      const environment = await load(env);
      const { connectProxmox } = await import('@infra/proxmox-connect');
      const connection = await connectProxmox(environment, { logger: options.logger });
      try {
        const resources = await connection.client.clusterResources('vm');
        const templates = resources
          .filter(
            (r) =>
              r.type === 'qemu' &&
              r.template &&
              String(r.tags ?? '')
                .split(';')
                .includes('infra'),
          )
          .map((r) => ({
            vmid: r.vmid,
            name: r.name,
            node: r.node,
            fingerprints: String(r.tags ?? '')
              .split(';')
              .filter((t) => /^fp-[0-9a-f]+$/.test(t)),
          }));
        return text({ wantedTalos: await options.talosTag(environment), templates });
      } finally {
        await connection.close();
      }
    }),
  );
  server.registerTool(
    'doctor',
    { description: "Preflight of the environment's Proxmox host (read-only)", inputSchema: envArg },
    guarded(async ({ env }) => {
      const report = await runDoctor({ environment: await load(env), logger: options.logger });
      return text(`${formatDoctorReport(report)}\n${JSON.stringify(report.findings)}`);
    }),
  );
  server.registerTool(
    'drift',
    {
      description: 'Cluster vs config, template fingerprints and tofu state (read-only)',
      inputSchema: envArg,
    },
    guarded(async ({ env }) => {
      const environment = await load(env);
      const report = await runDrift({
        environment,
        templates: { talos: await options.talosTag(environment) },
        logger: options.logger,
      });
      return text(
        `${formatDrift(report.environment, report.items, report.state)}\nexit code ${report.exitCode}`,
      );
    }),
  );

  server.registerTool(
    'plan',
    {
      description:
        'Dry run of the deploy stage: the real `tofu plan` of terraform/environments/<env> (change counts only; nothing is applied)',
      inputSchema: envArg,
    },
    async ({ env }) => {
      try {
        const summary = await deployPlanSummary(await load(env), { logger: options.logger });
        return text({ ...summary, applied: false });
      } catch (error) {
        return failed(error);
      }
    },
  );
  server.registerTool(
    'gpu_plan',
    {
      description:
        'GPU passthrough plan for the host from a facts bundle directory (gpu-host.ts collect --out <dir>); reads files only',
      inputSchema: {
        ...envArg,
        facts: z.string().min(1).describe('path of the facts bundle directory (relative: to the repository)'),
      },
    },
    async ({ env, facts }) => {
      try {
        const environment = await load(env);
        const { isAbsolute, join } = await import('node:path');
        const dir = isAbsolute(facts) ? facts : join(environment.repoRoot, facts);
        const [{ formatPlan }, plan] = await Promise.all([
          import('@infra/gpu-host-setup'),
          gpuPlanFromFacts(dir, environment),
        ]);
        return text(`${formatPlan(plan, `facts bundle ${facts}`)}\n${JSON.stringify(plan)}`);
      } catch (error) {
        return failed(error);
      }
    },
  );

  const confirmArg = {
    ...envArg,
    confirm: z.boolean().default(false).describe('must be true: this changes the Proxmox host'),
  };
  const mutating =
    (name: string, run: (environment: Environment) => Promise<unknown>) =>
    async ({ env, confirm }: { env: string; confirm: boolean }) => {
      if (!options.allowMutations)
        return refused(`${name}: refused: the server was started without --allow-mutations`);
      if (!confirm) return refused(`${name}: refused: pass confirm: true to change the host`);
      return guarded(async () => text(await run(await load(env))))(undefined);
    };
  server.registerTool(
    'build_image',
    {
      description: 'Build a golden template (changes the host; needs --allow-mutations and confirm)',
      inputSchema: { ...confirmArg, os: z.string().default('talos') },
    },
    async (args) =>
      mutating('build_image', (environment) => options.mutations.buildImage(environment, args.os))(args),
  );
  server.registerTool(
    'apply',
    {
      description: 'tofu apply of the environment (changes the host; needs --allow-mutations and confirm)',
      inputSchema: confirmArg,
    },
    mutating('apply', (environment) => options.mutations.apply(environment)),
  );

  server.registerResource(
    'config',
    `infra://config/${options.defaultEnvironment}`,
    { description: `The resolved ${options.defaultEnvironment} environment`, mimeType: 'application/json' },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          text: redact(JSON.stringify(describeEnvironment(await load(options.defaultEnvironment)), null, 2)),
        },
      ],
    }),
  );
  server.registerResource(
    'builds',
    `infra://builds/${options.defaultEnvironment}`,
    {
      description: `The last build results on the ${options.defaultEnvironment} host: each template's build record (OS, fingerprint, run, time, source), newest first`,
      mimeType: 'application/json',
    },
    async (uri) => {
      const environment = await load(options.defaultEnvironment);
      const { connectProxmox } = await import('@infra/proxmox-connect');
      const connection = await connectProxmox(environment, { logger: options.logger });
      try {
        const records = await readBuildRecords({
          clusterResources: (type) =>
            connection.client.clusterResources(type) as Promise<Array<Record<string, unknown>>>,
          vmConfig: (node, vmid) => connection.client.vmConfig(node, vmid),
        });
        return { contents: [{ uri: uri.href, text: redact(JSON.stringify({ builds: records }, null, 2)) }] };
      } finally {
        await connection.close();
      }
    },
  );
  return server;
}
