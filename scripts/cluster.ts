#!/usr/bin/env tsx
/**
 * The cluster stage (what `./infra up` runs after the template): the environment's Talos cluster from
 * infra.config.yaml (`cluster`) through terraform/clusters/talos, with the real tofu, bpg and talos providers.
 * `up` builds (or finds) the template, checks the input, applies, waits for bootstrap and the health gate, and
 * writes the kubeconfig and talosconfig (0600) under .infra/clusters/<env>/. `destroy` removes the VMs and keeps
 * the template and the machine secrets. `export-secrets` puts both files into the environment's SOPS file.
 * Logic: libs/cluster.
 */
import { relative } from 'node:path';
import {
  defineCommand,
  defineGroup,
  jsonOption,
  log,
  option,
  printResult,
  runProcess,
  runScript,
} from '@infra/core';

const common = {
  env: option.string('environment (infra.config.yaml)', { short: 'e', default: 'local' }),
  json: jsonOption,
};

async function context(envName: string) {
  const [{ loadEnvironment }, cluster, { toolchainEnv }] = await Promise.all([
    import('@infra/config'),
    import('@infra/cluster'),
    import('@infra/toolchain'),
  ]);
  const environment = await loadEnvironment(envName);
  const spec = cluster.clusterOf(environment);
  const toolchain = toolchainEnv();
  const talosctl = await runProcess('sh', ['-c', 'command -v talosctl'], {
    env: { PATH: toolchain.PATH ?? '' },
  });
  return { environment, spec, cluster, talosctl: talosctl.stdout.trim() || 'talosctl', toolchain };
}

const up = defineCommand({
  description:
    'bring the cluster up (template, tofu apply, bootstrap, health gate, kubeconfig + talosconfig)',
  options: common,
  examples: ['cluster.ts up -e local'],
  run: async ({ args, signal }) => {
    const { environment, spec, cluster, talosctl, toolchain } = await context(args.env);
    const [{ connectProxmox }, { buildImage }, { deployEnvironment, talosTemplate }, platform, gpu] =
      await Promise.all([
        import('@infra/proxmox-connect'),
        import('@infra/template-builder'),
        import('@infra/deploy'),
        import('@infra/platform'),
        import('@infra/gpu-host-setup'),
      ]);
    const embedded = environment.proxmox.endpoint === 'embedded';
    // The embedded Proxmox simulator starts here, with the guest agent reporting each node's 127.0.0.x; the
    // template build and tofu reuse it.
    const connection = await connectProxmox(environment, {
      logger: log,
      ...(embedded ? { embedded: cluster.talosGuestAddresses(spec, spec.network.prefixLength) } : {}),
    });
    try {
      const built = await buildImage(environment, 'talos', { logger: log });
      log.success(`template ${built.name} (${built.status})`);
      const talos = await talosTemplate(environment);
      const inlineManifests = await platform.renderClusterCritical({
        repoRoot: environment.repoRoot,
        environment: environment.name,
        env: process.env,
        run: (tool: string, toolArgs: readonly string[]) =>
          runProcess(tool, [...toolArgs], { env: { PATH: toolchain.PATH ?? '' } }),
      });
      const result = await cluster.clusterUp({
        environment,
        template: {
          fingerprintTag: talos.wanted.tag,
          schematicId: talos.schematicId,
          talosVersion: talos.talosVersion,
        },
        client: connection.client,
        prepareEmbeddedGpu: async () => {
          await gpu.syncGpuMapping(connection.client, {
            node: environment.proxmox.node,
            name: environment.gpu.mapping,
            selector: environment.gpu.selector,
          });
        },
        deploy: (request) => deployEnvironment({ ...request, stateName: 'cluster' }),
        inlineManifests,
        talosctl,
        logger: log,
        signal,
      });
      printResult(
        {
          changed: result.changed,
          kubeconfig: result.credentials.kubeconfig,
          talosconfig: result.credentials.talosconfig,
          next: result.next,
        },
        args.json,
        () =>
          [
            `cluster ${spec.name}: ${result.changed ? 'up' : 'up to date (no changes)'}`,
            `kubeconfig:  ${relative(process.cwd(), result.credentials.kubeconfig)}`,
            `talosconfig: ${relative(process.cwd(), result.credentials.talosconfig)}`,
            ...(result.talosSimPid
              ? [`the Talos simulator keeps serving the nodes (pid ${result.talosSimPid})`]
              : []),
            'next:',
            ...result.next.map((line) => `  ${line}`),
          ].join('\n'),
      );
    } finally {
      await connection.close();
    }
  },
});

const destroy = defineCommand({
  description:
    'remove the cluster VMs; keep the template and the machine secrets (the next up brings it back)',
  options: { ...common, yes: option.flag('destroy without asking (automation)', { short: 'y' }) },
  examples: ['cluster.ts destroy -e local --yes'],
  run: async ({ args, signal }) => {
    const { environment, spec, cluster } = await context(args.env);
    const { deployEnvironment, talosTemplate } = await import('@infra/deploy');
    const talos = await talosTemplate(environment);
    const result = await cluster.clusterDestroy({
      environment,
      template: {
        fingerprintTag: talos.wanted.tag,
        schematicId: talos.schematicId,
        talosVersion: talos.talosVersion,
      },
      deploy: (request) => deployEnvironment({ ...request, stateName: 'cluster', yes: args.yes }),
      logger: log,
      signal,
    });
    printResult(
      result,
      args.json,
      () => `cluster ${spec.name}: ${result.changed ? 'VMs removed' : 'nothing to remove'}`,
    );
  },
});

const exportSecrets = defineCommand({
  description: "put the cluster's kubeconfig and talosconfig into the environment's SOPS file",
  options: common,
  examples: ['cluster.ts export-secrets -e prod'],
  run: async ({ args }) => {
    const { environment, cluster } = await context(args.env);
    const dir = cluster.credentialsDir(environment.repoRoot, environment.name);
    const result = await cluster.exportCredentialsToSops(environment, {
      kubeconfig: `${dir}/kubeconfig`,
      talosconfig: `${dir}/talosconfig`,
    });
    const file = relative(environment.repoRoot, result.file);
    printResult({ ...result, file }, args.json, () =>
      result.changed ? `${file}: kubeconfig and talos.talosconfig updated` : `${file}: already up to date`,
    );
  },
});

export const command = defineGroup({
  description: 'the Talos cluster stage: up, destroy, export-secrets',
  subcommands: { up, destroy, 'export-secrets': exportSecrets },
});

await runScript(import.meta.url, command);
