import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { describeComponent } from './describe';
import { loadEnvironment, loadResolvedEnvironment, validateConfig } from './environment';

const BASE = `
catalog:
  proxmox:
    node: pve
    bridge: vmbr0
    storage: { images: local, disks: local-lvm }
  templates:
    vmidRange: { start: 9000, end: 9099 }
  talos:
    version: v1.13.9
    kubernetesVersion: 1.36.3
    platform: nocloud
    schematic: talos/schematic.yaml
    factory: https://factory.talos.dev
  gpu:
    mapping: rtx4000ada
environments:
  local:
    proxmox: { endpoint: embedded }
    talos: { factory: embedded }
    secrets: secrets/local.enc.yaml
  prod:
    extends: local
    proxmox:
      endpoint: https://pve.lan:8006
      node: pve2
    secrets: secrets/prod.enc.yaml
`;

async function repoWith(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-config-'));
  await writeFile(join(dir, 'infra.config.yaml'), yaml);
  return dir;
}

async function errorOf(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfraError);
  return error as InfraError;
}

describe('loadEnvironment', () => {
  it('merges catalog, parent and environment, fills defaults and makes paths absolute', async () => {
    const dir = await repoWith(BASE);
    const env = await loadEnvironment('prod', { cwd: dir });
    expect(env.proxmox).toMatchObject({ endpoint: 'https://pve.lan:8006', node: 'pve2', bridge: 'vmbr0' });
    expect(env.talos.factory).toBe('embedded'); // inherited from local
    expect(env.talos.hardware).toMatchObject({ machine: 'q35', bios: 'ovmf', balloon: false });
    expect(env.talos.schematic).toBe(join(dir, 'talos/schematic.yaml'));
    expect(env.secrets).toBe(join(dir, 'secrets/prod.enc.yaml'));
  });

  it('records which layer set each value', async () => {
    const resolved = await loadResolvedEnvironment('prod', { cwd: await repoWith(BASE) });
    const byPath = Object.fromEntries(describeComponent(resolved, 'proxmox').map((v) => [v.path, v.from]));
    expect(byPath['proxmox.node']).toBe('environments.prod');
    expect(byPath['proxmox.bridge']).toBe('catalog');
    expect(resolved.provenance['talos.factory']).toBe('environments.local');
    expect(resolved.provenance['talos.hardware.cores']).toBe('default');
  });

  it.each(['constructor', 'toString', '__proto__'])('describe: "%s" is no component', async (component) => {
    const resolved = await loadResolvedEnvironment('prod', { cwd: await repoWith(BASE) });
    const error = (() => {
      try {
        describeComponent(resolved, component);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).code).toBe('CONFIG_UNKNOWN_COMPONENT');
  });

  it('finds the file from a subdirectory', async () => {
    const dir = await repoWith(BASE);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    expect((await loadEnvironment('local', { cwd: join(dir, 'a', 'b') })).name).toBe('local');
  });
});

describe('bad configuration', () => {
  it('unknown key: names file, line and path', async () => {
    const error = await errorOf(
      loadEnvironment('local', {
        cwd: await repoWith(BASE.replace('bridge: vmbr0', 'bridge: vmbr0\n    brigde: vmbr1')),
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /infra\.config\.yaml:\d+:\d+: catalog\.proxmox\.brigde: unknown key "brigde"/,
    );
  });

  it('wrong type: says what was expected', async () => {
    const error = await errorOf(
      loadEnvironment('local', {
        cwd: await repoWith(BASE.replace('{ start: 9000, end: 9099 }', '{ start: "9000", end: 9099 }')),
      }),
    );
    expect(error.message).toMatch(/catalog\.templates\.vmidRange\.start: .*expected number/i);
  });

  it('missing environment lists the known ones', async () => {
    const error = await errorOf(loadEnvironment('staging', { cwd: await repoWith(BASE) }));
    expect(error.code).toBe('CONFIG_UNKNOWN_ENVIRONMENT');
    expect(error.message).toContain('no environment "staging"');
    expect(error.hint).toContain('local, prod');
  });

  // A catalog complete enough to resolve on its own: before own-property lookups, a name found on
  // Object.prototype (`constructor`, `toString`, `__proto__`) resolved to a phantom environment from it.
  const COMPLETE_CATALOG = BASE.replace(
    '  proxmox:\n    node: pve',
    '  secrets: secrets/x.enc.yaml\n  proxmox:\n    endpoint: embedded\n    node: pve',
  );

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'no phantom environment "%s" from Object.prototype',
    async (name) => {
      const cwd = await repoWith(COMPLETE_CATALOG);
      expect((await loadEnvironment('local', { cwd })).proxmox.endpoint).toBe('embedded');
      const error = await errorOf(loadEnvironment(name, { cwd }));
      expect(error.code).toBe('CONFIG_UNKNOWN_ENVIRONMENT');
      expect(error.message).toContain(`no environment "${name}"`);
    },
  );

  it.each(['constructor', 'toString', '__proto__'])('extends: %s is an unknown parent', async (name) => {
    const yaml = COMPLETE_CATALOG.replace('    extends: local\n', `    extends: "${name}"\n`);
    const error = await errorOf(loadEnvironment('prod', { cwd: await repoWith(yaml) }));
    expect(error.code).toBe('CONFIG_UNKNOWN_ENVIRONMENT');
    expect(error.message).toContain(`environments.prod.extends: no environment "${name}"`);
  });

  it.each([
    [
      'environments.prod.proxmox',
      '      node: pve2\n',
      '      node: pve2\n      __proto__: { node: evil }\n',
    ],
    ['environments.prod', '      node: pve2\n', '      node: pve2\n    __proto__: { secrets: evil }\n'],
    ['environments', '  prod:\n', '  __proto__: { secrets: evil }\n  prod:\n'],
  ])(
    'a __proto__ key under %s is reported, not dropped or merged into the prototype',
    async (where, anchor, replacement) => {
      const yaml = BASE.replace(anchor, replacement);
      expect(yaml).not.toBe(BASE);
      const error = await errorOf(loadEnvironment('prod', { cwd: await repoWith(yaml) }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`${where}.__proto__: unknown key`);
    },
  );

  it('ageKeyFile inherited via extends onto a real endpoint: one error naming the file, the layer and the field', async () => {
    const yaml = BASE.replace(
      '    secrets: secrets/local.enc.yaml\n',
      '    secrets: .infra/demo/local.enc.yaml\n    ageKeyFile: .infra/demo/local.agekey\n',
    );
    const cwd = await repoWith(yaml);
    expect((await loadEnvironment('local', { cwd })).ageKeyFile).toBe(join(cwd, '.infra/demo/local.agekey'));
    const error = await errorOf(loadEnvironment('prod', { cwd }));
    expect(error.code).toBe('CONFIG_DEMO_KEY_ON_REAL_ENDPOINT');
    expect(error.message).toMatch(
      /infra\.config\.yaml:\d+:\d+: environments\.local\.ageKeyFile: environment "prod" inherits ageKeyFile, but its proxmox\.endpoint is https:\/\/pve\.lan:8006/,
    );
    expect(error.hint).toContain('extends');
    await expect(validateConfig({ cwd })).rejects.toMatchObject({ code: 'CONFIG_DEMO_KEY_ON_REAL_ENDPOINT' });
  });

  it('an own ageKeyFile on a real endpoint is refused too', async () => {
    const yaml = BASE.replace(
      '    secrets: secrets/prod.enc.yaml\n',
      '    secrets: secrets/prod.enc.yaml\n    ageKeyFile: keys/prod.txt\n',
    );
    const error = await errorOf(loadEnvironment('prod', { cwd: await repoWith(yaml) }));
    expect(error.code).toBe('CONFIG_DEMO_KEY_ON_REAL_ENDPOINT');
    expect(error.message).toContain('environments.prod.ageKeyFile: environment "prod" sets ageKeyFile');
  });

  it('bad URL', async () => {
    const error = await errorOf(
      loadEnvironment('prod', { cwd: await repoWith(BASE.replace('https://pve.lan:8006', 'http//pve.lan')) }),
    );
    expect(error.message).toMatch(
      /infra\.config\.yaml:25:17: environments\.prod\.proxmox\.endpoint: expected an https:\/\/ URL/,
    );
  });

  it('unknown OS in the image catalog', async () => {
    const yaml = BASE.replace(
      '  gpu:\n    mapping',
      '  images:\n    gentoo:\n      version: "1"\n      source: { url: https://example.org/g.qcow2, checksum: "sha256:' +
        'a'.repeat(64) +
        '" }\n  gpu:\n    mapping',
    );
    const error = await errorOf(loadEnvironment('local', { cwd: await repoWith(yaml) }));
    expect(error.message).toMatch(
      /catalog\.images\.gentoo: unknown OS "gentoo"; expected one of debian, ubuntu/,
    );
  });

  const WINDOWS = (extra: string) =>
    BASE.replace(
      '  gpu:\n    mapping',
      `  images:\n    windows:\n      version: "2025"\n${extra}      source: { url: https://example.org/ws.iso, checksum: "sha256:${'b'.repeat(64)}" }\n  gpu:\n    mapping`,
    );

  it('windows must install from the ISO and bring the VirtIO drivers ISO', async () => {
    const error = await errorOf(loadEnvironment('local', { cwd: await repoWith(WINDOWS('')) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/catalog\.images\.windows\.install: expected "iso"/);
    expect(error.message).toMatch(/catalog\.images\.windows\.drivers: expected the VirtIO drivers ISO/);
    expect(error.message).toMatch(/catalog\.images\.windows\.cloudbaseInit: expected the cloudbase-init MSI/);
  });

  it('a complete windows entry gets the answer-file defaults; unattend elsewhere is an error', async () => {
    const drivers = `      drivers: { url: https://example.org/virtio-win.iso, checksum: "sha256:${'c'.repeat(64)}" }\n      cloudbaseInit: { url: https://example.org/cbi.msi, checksum: "sha256:${'d'.repeat(64)}" }\n`;
    const ok = await loadEnvironment('local', {
      cwd: await repoWith(WINDOWS(`      install: iso\n${drivers}      unattend: { locale: de-DE }\n`)),
    });
    expect(ok.images.windows?.unattend).toMatchObject({
      locale: 'de-DE',
      communicator: 'winrm',
      driverRelease: '2k25',
    });
    const misplaced = BASE.replace(
      '  gpu:\n    mapping',
      `  images:\n    arch:\n      version: "1"\n      unattend: {}\n      source: { url: https://example.org/a.qcow2, checksum: "sha256:${'a'.repeat(64)}" }\n  gpu:\n    mapping`,
    );
    const error = await errorOf(loadEnvironment('local', { cwd: await repoWith(misplaced) }));
    expect(error.message).toMatch(
      /catalog\.images\.arch\.unattend: unattend applies to images\.windows only/,
    );
  });

  it('imageMirror takes "embedded" only', async () => {
    const yaml = BASE.replace(
      '    talos: { factory: embedded }\n',
      '    talos: { factory: embedded }\n    imageMirror: https://m.lan\n',
    );
    const error = await errorOf(loadEnvironment('local', { cwd: await repoWith(yaml) }));
    expect(error.message).toMatch(/environments\.local\.imageMirror: expected "embedded"/);
    const embedded = BASE.replace(
      '    talos: { factory: embedded }\n',
      '    talos: { factory: embedded }\n    imageMirror: embedded\n',
    );
    expect((await loadEnvironment('local', { cwd: await repoWith(embedded) })).imageMirror).toBe('embedded');
  });

  it('cyclic inheritance', async () => {
    const yaml = BASE.replace('  local:\n', '  local:\n    extends: prod\n');
    const error = await errorOf(loadEnvironment('prod', { cwd: await repoWith(yaml) }));
    expect(error.code).toBe('CONFIG_CYCLE');
    expect(error.message).toMatch(/inheritance cycle prod → local → prod/);
  });

  it('a value no layer sets names the chain', async () => {
    const error = await errorOf(
      loadEnvironment('local', {
        cwd: await repoWith(BASE.replace('    secrets: secrets/local.enc.yaml\n', '')),
      }),
    );
    expect(error.message).toMatch(
      /environment "local": secrets is required but neither the catalog nor any environment in \[local\] sets it/,
    );
  });

  it('the Kubernetes version is pinned once: talos.kubernetesVersion is required', async () => {
    const error = await errorOf(
      loadEnvironment('prod', {
        cwd: await repoWith(BASE.replace('    kubernetesVersion: 1.36.3\n', '')),
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /infra\.config\.yaml:\d+:\d+: catalog\.talos\.kubernetesVersion: expected the cluster's Kubernetes version, e\.g\. "1\.36\.3"/,
    );
  });

  it('the Kubernetes version has no second field: cluster.kubernetesVersion is an unknown key', async () => {
    const yaml = `${BASE}    cluster:\n      name: homelab\n      kubernetesVersion: 1.35.0\n      network: { prefixLength: 24, gateway: 192.168.1.1 }\n      nodes: { cp-1: { role: controlplane, vmid: 201, ip: 192.168.1.21 } }\n`;
    const error = await errorOf(loadEnvironment('prod', { cwd: await repoWith(yaml) }));
    expect(error.message).toMatch(
      /infra\.config\.yaml:\d+:\d+: environments\.prod\.cluster\.kubernetesVersion: unknown key "kubernetesVersion"/,
    );
  });

  it('YAML syntax error points at the line', async () => {
    const error = await errorOf(
      loadEnvironment('local', { cwd: await repoWith(`${BASE}\n  bad: [unclosed\n`) }),
    );
    expect(error.message).toMatch(/infra\.config\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('no config file at all', async () => {
    const error = await errorOf(
      loadEnvironment('local', { cwd: await mkdtemp(join(tmpdir(), 'infra-none-')) }),
    );
    expect(error.code).toBe('CONFIG_NOT_FOUND');
  });

  it('validateConfig checks every environment', async () => {
    expect(await validateConfig({ cwd: await repoWith(BASE) })).toEqual(['local', 'prod']);
  });
});
