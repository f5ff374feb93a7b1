import { access, appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '@infra/core';
import { dataOf, type Simulator, simRequest, startSimulator, waitForTask } from '@infra/pve-sim';
import { startTalosSim, type TalosSim } from '@infra/talos-sim';
import { toolchainEnv } from '@infra/toolchain';
import { parse } from 'yaml';
import { installerImage } from '../inputs';

/**
 * Test equipment for the cluster stage: the embedded Proxmox simulator (guest agent reporting each node VM's
 * 127.0.x.y), a Talos template in it, the Talos simulator for the nodes, and the real tofu with the real bpg and
 * talos providers running terraform/clusters/talos in a scratch copy of the tree. Never used by the stage.
 */
export const SCHEMATIC = 'a31d81eceab05afdc2c59b0002701173e117a5fb81bdc1f64062d27655145848';
const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const TOKEN_ID = 'root@pam!e2e';

export interface Stack {
  dir: string;
  /** The encrypted state, tofu's data dir and everything tofu printed. */
  tofuArtifacts: string[];
  pve: Simulator;
  talos: TalosSim;
  addresses: { cp: string; gpu: string };
  token: string;
  /**
   * Stops the Talos simulator and starts it again on the same state (the nodes keep their configs and
   * records), with other options, e.g. allowSchematicChange for an upgrade to another schematic.
   */
  restartTalos(options?: { allowSchematicChange?: boolean }): Promise<void>;
  /** Mutating Proxmox requests the simulator has received (from its request log). */
  mutatingRequests(): Promise<number>;
  tofu(
    args: string[],
    vars?: Record<string, unknown>,
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  variables(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/** tofu, the bpg and the talos provider, talosctl: where they are, or one sentence saying what is missing. */
export async function stackTools(): Promise<{ env: Record<string, string>; missing: string[] }> {
  const toolchain = toolchainEnv();
  const env: Record<string, string> = {
    PATH: toolchain.PATH ?? '',
    TF_CLI_CONFIG_FILE: process.env.INFRA_TOFU_CLI_CONFIG ?? toolchain.TF_CLI_CONFIG_FILE ?? '',
  };
  const missing: string[] = [];
  const cliConfig = await readFile(env.TF_CLI_CONFIG_FILE!, 'utf8').catch(() => '');
  if (!cliConfig.includes('bpg/proxmox')) missing.push('the bpg/proxmox provider');
  if (!cliConfig.includes('siderolabs/talos')) missing.push('the siderolabs/talos provider');
  for (const tool of ['tofu', 'talosctl']) {
    const found = await runProcess('sh', ['-c', `command -v ${tool}`], { env: { PATH: env.PATH! } });
    if (found.exitCode !== 0) missing.push(tool);
  }
  return { env, missing };
}

export async function startStack(env: Record<string, string>): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-e2e-'));
  // Our own 127.0.x.0/24, so a parallel run or a local ./infra up (127.0.0.x) never shares an apid address.
  const octet = 100 + Math.floor(Math.random() * 150);
  const addresses = { cp: `127.0.${octet}.11`, gpu: `127.0.${octet}.21` };
  const byName: Record<string, string> = { 'cp-1': addresses.cp, 'gpu-1': addresses.gpu };
  const log = join(dir, 'pve-requests.jsonl');
  const pve = await startSimulator({
    stateDir: join(dir, 'pve'),
    seed: 11,
    log,
    timing: { taskMs: 20, agentBootMs: 200 },
    guestAddresses: (vm) => [{ ip: (vm.name && byName[vm.name]) || '10.0.0.99', prefix: 8 }],
  });
  const { secret } = await pve.issueToken(TOKEN_ID);
  const auth = `PVEAPIToken=${TOKEN_ID}=${secret}`;
  const run = async (method: string, path: string, params: Record<string, unknown>) => {
    const res = await simRequest(pve, method, path, { auth, params });
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    if (typeof res.body?.data === 'string' && res.body.data.startsWith('UPID:'))
      await waitForTask(pve, auth, res.body.data);
  };
  // The host as the README sets it up: the GPU's resource mapping; and a Talos template with its fingerprint tag.
  await run('POST', '/cluster/mapping/pci', {
    id: 'rtx4000ada',
    map: ['node=pve,path=0000:01:00.0,id=10de:27b2,iommugroup=14,subsystem-id=10de:181b'],
  });
  await run('POST', '/nodes/pve/qemu', {
    vmid: 9000,
    name: 'talos-v1.13.9-nocloud',
    machine: 'q35',
    bios: 'ovmf',
    scsihw: 'virtio-scsi-single',
    scsi0: 'local-lvm:2',
    efidisk0: 'local-lvm:1,efitype=4m',
    ide2: 'local-lvm:cloudinit',
    net0: 'virtio,bridge=vmbr0',
    agent: 'enabled=1',
    tags: 'infra;talos;fp-0123456789abcdef01234567',
  });
  await run('POST', '/nodes/pve/qemu/9000/template', {});
  const talosOptions = {
    stateDir: join(dir, 'talos'),
    nodes: [addresses.cp, addresses.gpu],
    templateImage: installerImage('nocloud', SCHEMATIC, 'v1.13.9'),
    bootDelayMs: 300,
  };
  let talos = await startTalosSim(talosOptions);

  const tree = join(dir, 'tree');
  await mkdir(tree, { recursive: true });
  await cp(join(REPO, 'terraform'), join(tree, 'terraform'), { recursive: true });
  const root = join(tree, 'terraform', 'clusters', 'talos');
  const patch = (name: string) => readFile(join(REPO, 'talos', 'patches', name), 'utf8');
  const baseVariables = {
    proxmox_endpoint: `${pve.url}/`,
    bridge: 'vmbr0',
    disk_datastore_id: 'local-lvm',
    templates: { talos: { pve: { vm_id: 9000, node_name: 'pve' } } },
    talos_version: 'v1.13.9',
    template_talos_version: 'v1.13.9',
    schematic_id: SCHEMATIC,
    gpu_mapping: 'rtx4000ada',
    cluster: {
      name: 'e2e',
      nodes: {
        'cp-1': { role: 'controlplane', node: 'pve', vm_id: 201, ip: addresses.cp, size: 'small' },
        'gpu-1': { role: 'worker', node: 'pve', vm_id: 211, ip: addresses.gpu, size: 'small', gpu: true },
      },
      network: { prefix_length: 8, gateway: '127.0.0.1' },
      health: { timeout: '2m', skip_kubernetes_checks: true },
    },
    config_patches: [await patch('qemu-guest-agent.yaml'), await patch('install-disk.yaml')],
    gpu_config_patches: [await patch('nvidia.yaml'), await patch('nvidia-gpu-node.yaml')],
    inline_manifests: [
      {
        name: 'nvidia-runtimeclass',
        contents:
          'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\n',
      },
    ],
  };
  const variables = (overrides: Record<string, unknown> = {}) => ({ ...baseVariables, ...overrides });
  const tofuEnv = {
    ...env,
    HOME: dir,
    TMPDIR: dir,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    TF_DATA_DIR: join(dir, 'tfdata'),
    // bpg verifies the simulator's certificate against its CA (never insecure).
    SSL_CERT_FILE: join(dir, 'pve', 'tls', 'pve-root-ca.pem'),
    TF_VAR_proxmox_api_token: `${TOKEN_ID}=${secret}`,
    TF_VAR_state_passphrase: 'e2e-passphrase-0123456789',
  };
  let initialised = false;
  const tofu = async (args: string[], vars: Record<string, unknown> = variables()) => {
    if (!initialised) {
      const init = await runProcess(
        'tofu',
        ['init', '-input=false', '-no-color', `-backend-config=path=${join(dir, 'cluster.tfstate')}`],
        {
          cwd: root,
          env: tofuEnv,
        },
      );
      if (init.exitCode !== 0) throw new Error(`tofu init: ${init.stderr || init.stdout}`);
      initialised = true;
    }
    const varFile = join(dir, 'vars.json');
    await writeFile(varFile, JSON.stringify(vars), { mode: 0o600 });
    const result = await runProcess('tofu', [...args, `-var-file=${varFile}`], {
      cwd: root,
      env: tofuEnv,
      timeoutMs: 900_000,
    });
    // What plan/apply printed, for the leak check (`output -json` prints the sensitive values on purpose).
    if (args[0] !== 'output')
      await appendFile(join(dir, 'tofu-output.log'), `${result.stdout}\n${result.stderr}\n`, { mode: 0o600 });
    return result;
  };
  return {
    dir,
    tofuArtifacts: [join(dir, 'cluster.tfstate'), join(dir, 'tfdata'), join(dir, 'tofu-output.log')],
    pve,
    get talos() {
      return talos;
    },
    addresses,
    token: secret,
    async restartTalos(options = {}) {
      await talos.stop();
      talos = await startTalosSim({ ...talosOptions, ...options });
    },
    async mutatingRequests() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { method: string })
        .filter((e) => e.method === 'POST' || e.method === 'PUT' || e.method === 'DELETE').length;
    },
    tofu,
    variables,
    async close() {
      await talos.stop();
      await pve.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The VM config the Proxmox simulator holds. */
export async function vmConfig(stack: Stack, vmid: number): Promise<Record<string, string>> {
  const res = await simRequest(stack.pve, 'GET', `/nodes/pve/qemu/${vmid}/config`, {
    auth: `PVEAPIToken=${TOKEN_ID}=${stack.token}`,
  });
  return dataOf<Record<string, string>>(res);
}

/** The VMs the Proxmox simulator holds (vmid, name, template flag). */
export async function vmList(
  stack: Stack,
): Promise<Array<{ vmid: number; name?: string; template?: number }>> {
  const res = await simRequest(stack.pve, 'GET', '/nodes/pve/qemu', {
    auth: `PVEAPIToken=${TOKEN_ID}=${stack.token}`,
  });
  return dataOf<Array<{ vmid: number; name?: string; template?: number }>>(res).sort(
    (a, b) => a.vmid - b.vmid,
  );
}

/** A machine config as YAML documents. */
export const documents = (text: string) =>
  text.split(/^---$/m).map((d) => parse(d) as Record<string, unknown>);

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
