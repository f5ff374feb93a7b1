import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { formatLeakHits, scanPaths } from '@infra/sops-secrets';
import { readAppliedConfig, readInlineManifests, readNodeRecords } from '@infra/talos-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installerImage } from './inputs';
import { documents, SCHEMATIC, type Stack, stackTools, startStack, vmConfig } from './testing/stack';

/**
 * The cluster root module with the real tofu, the real bpg/proxmox and siderolabs/talos providers and the real
 * talosctl, against the Proxmox and Talos simulators: create, no-op re-run, generated configs valid for
 * `talosctl validate --mode metal --strict`, bad input refused before anything is created, rolling upgrade.
 */
const tools = await stackTools();
const INSTALLER = installerImage('nocloud', SCHEMATIC, 'v1.13.9');

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
});
