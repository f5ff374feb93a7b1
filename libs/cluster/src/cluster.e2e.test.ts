import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEnvironment } from '@infra/config';
import { runProcess } from '@infra/core';
import { formatLeakHits, scanPaths } from '@infra/sops-secrets';
import { readAppliedConfig, readInlineManifests, readNodeRecords } from '@infra/talos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDestroy } from './destroy';
import { installerImage } from './inputs';
import { credentialsDir } from './outputs';
import { checkRollingUpgrade } from './testing/rolling';
import {
  documents,
  exists,
  SCHEMATIC,
  type Stack,
  stackTools,
  startStack,
  vmConfig,
  vmList,
} from './testing/stack';

/**
 * The cluster root module with the real tofu, the real bpg/proxmox and siderolabs/talos providers and the real
 * talosctl, against the Proxmox and Talos simulators: create, no-op re-run, generated configs valid for
 * `talosctl validate --mode metal --strict`, bad input refused before anything is created, rolling upgrade.
 */
const tools = await stackTools();
const INSTALLER = installerImage('nocloud', SCHEMATIC, 'v1.13.9');
/** Another Image Factory schematic: a template rebuilt with other extensions. */
const SCHEMATIC_B = 'f8a903f101ce10f686476024898734bb6b36353cc4d41f348514db9004ec0a9d';

describe('talos-cluster on the simulators (real tofu, bpg, talos provider, talosctl)', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (tools.missing.length > 0)
      throw new Error(
        `missing ${tools.missing.join(', ')}: run ./infra setup (it builds them into the per-user cache)`,
      );
    env = tools.env;
    stack = await startStack(env);
  }, 900_000);
  afterAll(async () => {
    await stack?.close();
  });

  const talosctl = (args: string[]) =>
    runProcess('talosctl', ['--talosconfig', join(stack.dir, 'talosconfig'), ...args], {
      env: { PATH: env.PATH! },
      timeoutMs: 60_000,
    });

  it('refuses bad input at plan time, before anything is created', { timeout: 600_000 }, async () => {
    const base = stack.variables() as { cluster: { nodes: Record<string, Record<string, unknown>> } };
    const cluster = (nodes: Record<string, Record<string, unknown>>) => ({ ...base.cluster, nodes });
    const before = await stack.mutatingRequests();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'a GPU worker with no mapping',
        { gpu_mapping: null },
        /gpu_mapping is not set, but nodes gpu-1 have gpu = true/,
      ],
      [
        'an IP clash',
        {
          cluster: cluster({
            ...base.cluster.nodes,
            'gpu-1': { ...base.cluster.nodes['gpu-1'], ip: stack.addresses.cp },
          }),
        },
        /two nodes share an IP address \(127\.0\.\d+\.11\)/,
      ],
      [
        'two control planes',
        {
          cluster: cluster({
            ...base.cluster.nodes,
            'gpu-1': { ...base.cluster.nodes['gpu-1'], role: 'controlplane', gpu: false },
          }),
        },
        /needs 1, 3 or 5 control planes[\s\S]*found 2/,
      ],
      [
        'a Talos version the template does not have',
        { talos_version: 'v1.12.6' },
        /older than the template's Talos \(v1\.13\.9\)/,
      ],
    ];
    for (const [what, overrides, message] of cases) {
      const vars = stack.variables(overrides);
      const plan = await stack.tofu(['plan', '-input=false', '-no-color'], vars);
      expect(plan.exitCode, what).toBe(1);
      expect(`${plan.stdout}\n${plan.stderr}`.replace(/\s+/g, ' '), what).toMatch(message);
    }
    expect(await stack.mutatingRequests(), 'no Proxmox change for refused input').toBe(before);
  });

  it('creates the cluster: VMs, configs, bootstrap, kubeconfig, health gate', {
    timeout: 900_000,
  }, async () => {
    const apply = await stack.tofu(['apply', '-input=false', '-no-color', '-auto-approve']);
    if (apply.exitCode !== 0) console.error(apply.stdout, apply.stderr);
    expect(apply.exitCode).toBe(0);

    const gpuVm = await vmConfig(stack, 211);
    expect(gpuVm.hostpci0).toMatch(/mapping=rtx4000ada/);
    expect(gpuVm.hostpci0).toMatch(/pcie=1/);
    expect(gpuVm.machine).toMatch(/q35/);
    expect(String(gpuVm.balloon)).toBe('0');
    expect((await vmConfig(stack, 201)).hostpci0).toBeUndefined();

    const records = await readNodeRecords(stack.talos.stateDir);
    const cp = records[stack.addresses.cp]!;
    const gpu = records[stack.addresses.gpu]!;
    expect(cp).toMatchObject({
      mode: 'configured',
      hostname: 'cp-1',
      machineType: 'controlplane',
      bootstrapped: true,
    });
    expect(gpu).toMatchObject({ mode: 'configured', hostname: 'gpu-1', machineType: 'worker' });
    expect(cp.calls.ApplyConfiguration).toBe(1);
    expect(gpu.calls.ApplyConfiguration).toBe(1);

    // The GPU worker's config: NVIDIA modules, the factory installer of the template's schematic, label + taint.
    const [machineDoc] = documents(
      (await readAppliedConfig(stack.talos.stateDir, stack.addresses.gpu))!,
    ) as Array<{
      machine: {
        install: { image: string; disk: string };
        kernel: { modules: Array<{ name: string }> };
        nodeLabels: Record<string, string>;
        nodeTaints?: Record<string, string>;
        kubelet: { extraArgs: Record<string, string> };
      };
    }>;
    expect(machineDoc!.machine.install).toMatchObject({ image: INSTALLER, disk: '/dev/sda' });
    expect(machineDoc!.machine.kernel.modules.map((m) => m.name)).toEqual([
      'nvidia',
      'nvidia_uvm',
      'nvidia_drm',
      'nvidia_modeset',
    ]);
    expect(machineDoc!.machine.nodeLabels['nvidia.com/gpu.present']).toBe('true');
    // The taint of talos/patches/nvidia-gpu-node.yaml, its one definition, set by the kubelet at registration
    // (NodeRestriction keeps a worker from changing its own taints, so the module adds no nodeTaints).
    expect(machineDoc!.machine.kubelet.extraArgs['register-with-taints']).toBe(
      'nvidia.com/gpu=present:NoSchedule',
    );
    expect(machineDoc!.machine.nodeTaints).toBeUndefined();
    // ...and the control plane's has no NVIDIA modules, but the inline manifests.
    const cpConfig = (await readAppliedConfig(stack.talos.stateDir, stack.addresses.cp))!;
    expect(cpConfig).not.toContain('nvidia_uvm');
    expect(await readInlineManifests(stack.talos.stateDir, stack.addresses.cp)).toMatchObject({
      'nvidia-runtimeclass': expect.stringContaining('handler: nvidia'),
    });

    const outputs = await stack.tofu(['output', '-json']);
    const values = JSON.parse(outputs.stdout) as Record<string, { value: unknown }>;
    expect(String(values.kubeconfig!.value)).toContain(`server: https://${stack.addresses.cp}:6443`);
    await writeFile(join(stack.dir, 'talosconfig'), String(values.talosconfig!.value), { mode: 0o600 });
    const configs = values.machine_configurations!.value as Record<string, string>;
    for (const [name, config] of Object.entries(configs)) {
      const file = join(stack.dir, `${name}.yaml`);
      await writeFile(file, config, { mode: 0o600 });
      const validate = await runProcess(
        'talosctl',
        ['validate', '--mode', 'metal', '--strict', '--config', file],
        {
          env: { PATH: env.PATH! },
        },
      );
      expect(validate.exitCode, `${name}: ${validate.stderr}`).toBe(0);
    }
  });

  it('keeps the cluster secrets out of the state, tofu output and its data dir (leak test)', {
    timeout: 120_000,
  }, async () => {
    const outputs = JSON.parse((await stack.tofu(['output', '-json'])).stdout) as Record<
      string,
      { value: unknown }
    >;
    const cpConfig = (outputs.machine_configurations!.value as Record<string, string>)['cp-1']!;
    const [cpDoc] = documents(cpConfig) as Array<{
      machine: { ca: { key: string } };
      cluster: { ca: { key: string }; secretboxEncryptionSecret: string };
    }>;
    const talosconfig = String(outputs.talosconfig!.value);
    const clientKey = /key: (\S+)/.exec(talosconfig.split('contexts:')[1] ?? '')?.[1] ?? '';
    const needles = [
      { label: 'machine.ca.key', value: Buffer.from(cpDoc!.machine.ca.key, 'base64').toString() },
      { label: 'cluster.ca.key', value: Buffer.from(cpDoc!.cluster.ca.key, 'base64').toString() },
      { label: 'cluster.secretboxEncryptionSecret', value: cpDoc!.cluster.secretboxEncryptionSecret },
      { label: 'talosconfig client key', value: Buffer.from(clientKey, 'base64').toString() },
    ];
    expect(needles.every((n) => n.value.length > 20)).toBe(true);
    // Positive control: the machine config output itself carries them.
    const control = join(stack.dir, 'control.yaml');
    await writeFile(control, cpConfig, { mode: 0o600 });
    expect((await scanPaths([control], needles)).hits.length).toBeGreaterThan(0);
    const scan = await scanPaths(stack.tofuArtifacts, needles);
    expect(scan.missing).toEqual([]);
    expect(formatLeakHits(scan.hits)).toEqual([]);
    // The state is encrypted as a whole: not even the VM names are readable.
    expect(await readFile(stack.tofuArtifacts[0]!, 'utf8')).not.toContain('gpu-1');
  });

  it('answers talosctl version and get members', { timeout: 120_000 }, async () => {
    const version = await talosctl(['--nodes', stack.addresses.cp, 'version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/Server:[\s\S]*Tag:\s+v1\.13\.9/);
    const members = await talosctl(['--nodes', stack.addresses.cp, 'get', 'members']);
    expect(members.exitCode, members.stderr).toBe(0);
    expect(members.stdout).toMatch(/cp-1/);
    expect(members.stdout).toMatch(/gpu-1/);
  });

  it('changes nothing on a second run: 0 mutating Proxmox requests, 0 ApplyConfiguration', {
    timeout: 600_000,
  }, async () => {
    const before = await stack.mutatingRequests();
    const plan = await stack.tofu(['plan', '-input=false', '-no-color', '-detailed-exitcode']);
    expect(plan.exitCode, plan.stdout).toBe(0);
    const apply = await stack.tofu(['apply', '-input=false', '-no-color', '-auto-approve']);
    expect(apply.exitCode).toBe(0);
    expect(apply.stdout).toMatch(/0 added, 0 changed, 0 destroyed/);
    expect(await stack.mutatingRequests()).toBe(before);
    const records = await readNodeRecords(stack.talos.stateDir);
    expect(Object.values(records).map((r) => r.calls.ApplyConfiguration)).toEqual([1, 1]);
  });

  it('refuses to lower talos_version below the machine secrets (the TKS trap)', {
    timeout: 300_000,
  }, async () => {
    // A template of the lower version exists, so only the secrets' guard stands in the way.
    const lower = await stack.tofu(
      ['plan', '-input=false', '-no-color'],
      stack.variables({ talos_version: 'v1.13.4', template_talos_version: 'v1.13.4' }),
    );
    expect(lower.exitCode).toBe(1);
    expect(`${lower.stdout}${lower.stderr}`.replace(/\s+/g, ' ')).toMatch(
      /talos_version v1\.13\.4 is lower than the Talos version this cluster's machine secrets were generated for \(v1\.13\.9\)/,
    );
  });

  /** Upgrades and applies per node so far, to count what one apply adds. */
  const counts = async () => {
    const records = await readNodeRecords(stack.talos.stateDir);
    return {
      upgrades: Object.fromEntries(Object.entries(records).map(([a, r]) => [a, r.upgrades.length])),
      applies: Object.fromEntries(
        Object.entries(records).map(([a, r]) => [a, r.calls.ApplyConfiguration ?? 0]),
      ),
    };
  };

  /** Applies `vars`, then checks the rolling upgrade to `image` (control plane, then the GPU worker). */
  const upgradeTo = async (vars: Record<string, unknown>, image: string, tag: string, schematic: string) => {
    const before = await counts();
    const apply = await stack.tofu(['apply', '-input=false', '-no-color', '-auto-approve'], vars);
    if (apply.exitCode !== 0) console.error(apply.stdout, apply.stderr);
    expect(apply.exitCode).toBe(0);
    const records = await readNodeRecords(stack.talos.stateDir);
    const { steps, problems } = checkRollingUpgrade(
      records,
      [stack.addresses.cp, stack.addresses.gpu],
      image,
      before.upgrades,
    );
    expect(problems).toEqual([]);
    expect(steps.map((s) => s.address)).toEqual([stack.addresses.cp, stack.addresses.gpu]);
    for (const address of [stack.addresses.cp, stack.addresses.gpu]) {
      const record = records[address]!;
      // talosctl 1.13's own upgrade path (not --legacy): the installer pulled, then LifecycleService.Upgrade.
      const upgrade = record.upgrades.at(-1)!;
      expect(upgrade.api).toBe('LifecycleService.Upgrade');
      const pull = record.images.findLast((p) => p.ref === image);
      expect(pull, `${address} pulled ${image}`).toBeDefined();
      expect(Date.parse(pull!.at)).toBeLessThanOrEqual(Date.parse(upgrade.at));
      // The new install image went in with one live apply (no reboot), before the upgrade itself.
      expect(record.calls.ApplyConfiguration).toBe(before.applies[address]! + 1);
      expect(record.applies.at(-1)).toMatchObject({ mode: 'NO_REBOOT', installImage: image });
      expect(Date.parse(record.applies.at(-1)!.at)).toBeLessThan(
        steps.find((s) => s.address === address)!.startedAt,
      );
      const version = await talosctl(['--nodes', address, 'version']);
      expect(version.stdout).toMatch(new RegExp(`Server:[\\s\\S]*Tag:\\s+${tag.replace(/\./g, '\\.')}`));
      const extensions = await talosctl(['--nodes', address, 'get', 'extensions', '-o', 'yaml']);
      expect(extensions.exitCode, extensions.stderr).toBe(0);
      expect(extensions.stdout).toContain(`version: ${schematic}`);
    }
    const outputs = JSON.parse((await stack.tofu(['output', '-json'])).stdout) as Record<
      string,
      { value: unknown }
    >;
    expect(outputs.installer!.value).toBe(image);
  };

  /** A second apply: no plan change, no Proxmox change, no ApplyConfiguration, no upgrade. */
  const expectNoOp = async (vars: Record<string, unknown>) => {
    const before = await counts();
    const mutating = await stack.mutatingRequests();
    const plan = await stack.tofu(['plan', '-input=false', '-no-color', '-detailed-exitcode'], vars);
    expect(plan.exitCode, plan.stdout).toBe(0);
    const apply = await stack.tofu(['apply', '-input=false', '-no-color', '-auto-approve'], vars);
    expect(apply.exitCode).toBe(0);
    expect(apply.stdout).toMatch(/0 added, 0 changed, 0 destroyed/);
    expect(apply.stdout).not.toMatch(/talos-upgrade:/);
    expect(await counts()).toEqual(before);
    expect(await stack.mutatingRequests()).toBe(mutating);
  };

  const upgraded = { talos_version: 'v1.13.10' };

  it('upgrades the nodes one at a time to the new version with the same schematic, control plane first', {
    timeout: 900_000,
  }, async () => {
    const mutating = await stack.mutatingRequests();
    await upgradeTo(
      stack.variables(upgraded),
      installerImage('nocloud', SCHEMATIC, 'v1.13.10'),
      'v1.13.10',
      SCHEMATIC,
    );
    // An upgrade is in place: the VMs are neither replaced nor reconfigured.
    expect(await stack.mutatingRequests()).toBe(mutating);
  });

  it('upgrades nothing on the apply after the upgrade', { timeout: 600_000 }, async () => {
    await expectNoOp(stack.variables(upgraded));
  });

  it('moves every node to the new template schematic, one at a time', { timeout: 900_000 }, async () => {
    // The simulator refuses a schematic change by default (it would drop the NVIDIA extensions by mistake);
    // here the template itself was rebuilt with another schematic, so it is the intended change.
    await stack.restartTalos({ allowSchematicChange: true });
    const vars = stack.variables({ ...upgraded, schematic_id: SCHEMATIC_B });
    await upgradeTo(vars, installerImage('nocloud', SCHEMATIC_B, 'v1.13.10'), 'v1.13.10', SCHEMATIC_B);
    await expectNoOp(vars);
  });

  it('destroy (scripts/cluster.ts destroy): the VMs go, the template and the machine secrets stay', {
    timeout: 600_000,
  }, async () => {
    // The stage's destroy as scripts/cluster.ts runs it, with the deploy stage's part (the host's endpoint and
    // the template found by tag) filled in from the stack, and a scratch repository for the credential files.
    const prod = await loadEnvironment('prod', { cwd: new URL('../../..', import.meta.url).pathname });
    const repoRoot = join(stack.dir, 'repo');
    const environment = {
      ...prod,
      repoRoot,
      talos: { ...prod.talos, version: 'v1.13.10' },
      cluster: { ...prod.cluster!, name: 'e2e' },
    };
    const credentials = credentialsDir(repoRoot, environment.name);
    await mkdir(credentials, { recursive: true });
    await writeFile(join(credentials, 'talosconfig'), 'stale', { mode: 0o600 });
    const host = stack.variables();
    const destroy = () =>
      clusterDestroy({
        environment,
        template: {
          fingerprintTag: 'fp-0123456789abcdef01234567',
          schematicId: SCHEMATIC_B,
          talosVersion: 'v1.13.9',
        },
        deploy: async (request) => {
          expect(request).toMatchObject({ action: 'apply', yes: true });
          const apply = await stack.tofu(['apply', '-input=false', '-no-color', '-auto-approve'], {
            proxmox_endpoint: host.proxmox_endpoint,
            bridge: host.bridge,
            disk_datastore_id: host.disk_datastore_id,
            templates: host.templates,
            ...request.variables,
          });
          if (apply.exitCode !== 0) console.error(apply.stdout, apply.stderr);
          expect(apply.exitCode).toBe(0);
          return { changed: !/0 added, 0 changed, 0 destroyed/.test(apply.stdout), outputs: {} };
        },
      });
    expect(await destroy()).toEqual({ changed: true });
    const vms = await vmList(stack);
    expect(vms.map((vm) => [vm.vmid, vm.template])).toEqual([[9000, 1]]);
    const state = await stack.tofu(['state', 'list']);
    expect(state.stdout).toContain('module.cluster.talos_machine_secrets.this');
    expect(state.stdout).not.toContain('proxmox_virtual_environment_vm');
    expect(await exists(credentials)).toBe(false);
    // Again: nothing left to remove, and no Proxmox change.
    const mutating = await stack.mutatingRequests();
    expect(await destroy()).toEqual({ changed: false });
    expect(await stack.mutatingRequests()).toBe(mutating);
  });
});
