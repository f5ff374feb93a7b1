import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPins } from './audit';
import { parseRenovateConfig, type RenovateConfig } from './config';
import { loadRepoFiles } from './repo-files';

const root = resolve(import.meta.dirname, '../../..');
let config: RenovateConfig;
let files: Map<string, string>;

beforeAll(async () => {
  config = parseRenovateConfig(await readFile(join(root, 'renovate.json'), 'utf8'));
  files = await loadRepoFiles(root, config);
});

/** The repository's files with one of them changed. */
const withFile = (file: string, edit: (text: string) => string) =>
  new Map([...files, [file, edit(files.get(file) ?? '')]]);

describe('renovate.json and the pins of this repository', () => {
  it('finds every pin exactly once, with its exact version', () => {
    const { pins, problems } = auditPins(config, files);
    expect(problems).toEqual([]);
    // The pins come from reading the files themselves; spot-check that the readers saw each kind.
    const where = pins.map((p) => `${p.where} = ${p.version}`);
    expect(where).toContain('mise.toml [tools] "opentofu" = 1.12.6');
    expect(where).toContain('mise.toml [_.infra.providers] "siderolabs/talos" = 0.11.0');
    expect(where).toContain('mise.toml [_.infra.packer-plugins] "github.com/hashicorp/proxmox" = 1.2.4');
    expect(where).toContain('mise.toml [_.infra.debian] "cloud-init" = 22.4.2-1+deb12u4');
    expect(where).toContain('mise.toml [_.charts] "nvidia-device-plugin" = 0.20.0');
    expect(where).toContain('infra.config.yaml catalog.talos.version = v1.13.9');
    expect(where).toContain('kubernetes/nvidia-device-plugin/values.yaml image.tag = v0.20.0');
    expect(where.filter((w) => w.startsWith('packer/')).length).toBeGreaterThanOrEqual(6);
    expect(where.some((w) => w.includes('"openssh-server"'))).toBe(false); // "system" is not a pin
  });

  it('extracts what Renovate looks up: datasource and package name per kind of pin', () => {
    const { matches } = auditPins(config, files);
    const lookup = (depName: string) => [
      ...new Set(matches.filter((m) => m.depName === depName).map((m) => `${m.datasource} ${m.packageName}`)),
    ];
    expect(lookup('bpg/proxmox')).toEqual(['terraform-provider bpg/proxmox']);
    expect(lookup('github.com/hashicorp/proxmox')).toEqual([
      'github-releases hashicorp/packer-plugin-proxmox',
    ]);
    expect(lookup('cloud-init')).toEqual(['deb cloud-init']);
    expect(lookup('nvidia-device-plugin')).toEqual(['helm nvidia-device-plugin']);
    expect(lookup('siderolabs/talos-image')).toEqual(['github-releases siderolabs/talos']);
    expect(lookup('docker.io/ollama/ollama')).toEqual(['docker docker.io/ollama/ollama']);
  });

  it('fails for a new pin table no manager reads', () => {
    const planted = withFile(
      'mise.toml',
      (t) => `${t}\n[_.infra.go-tools]\n"golang.org/x/tools" = "0.30.0"\n`,
    );
    expect(auditPins(config, planted).problems).toEqual([
      'mise.toml [_.infra.go-tools] "golang.org/x/tools" = 0.30.0: no manager in renovate.json finds this pin',
    ]);
  });

  it('fails for a new chart (its registry needs its own manager)', () => {
    const planted = withFile('mise.toml', (t) =>
      t.replace(
        '[_.charts]\n',
        '[_.charts]\nother-chart = { version = "1.0.0", archive = "o.tgz", sha256 = "00" }\n',
      ),
    );
    expect(auditPins(config, planted).problems).toEqual([
      'mise.toml [_.charts] "other-chart" = 1.0.0: no manager in renovate.json finds this pin',
    ]);
  });

  it('fails for an image written in a form the image manager does not read, and for an untagged image', () => {
    const file = 'kubernetes/ollama/deployment.yaml';
    const quoted = withFile(file, (t) => t.replace(/image: (\S+)/, 'image: "$1"'));
    expect(auditPins(config, quoted).problems).toEqual([
      `${file} spec.template.spec.containers.0.image = 0.12.6: no manager in renovate.json finds this pin`,
    ]);
    const untagged = withFile(file, (t) => t.replace(/image: (\S+):\S+/, 'image: $1'));
    expect(auditPins(config, untagged).problems).toEqual([
      `${file} spec.template.spec.containers.0.image: docker.io/ollama/ollama has no version (pin an exact tag)`,
    ]);
  });

  it('reads a digest next to the tag, and fails when the manager would drop it', () => {
    const file = 'kubernetes/jellyfin/deployment.yaml';
    const digest = `sha256:${'ab'.repeat(32)}`;
    const pinned = withFile(file, (t) => t.replace(/(image: \S+)/, `$1@${digest}`));
    expect(auditPins(config, pinned).problems).toEqual([]);
    const noDigest = structuredClone(config);
    const images = noDigest.customManagers.find((m) =>
      m.description.startsWith('container images in kubernetes/'),
    );
    images!.matchStrings = [String(images!.matchStrings[0]).replace(/\(\?:@\(\?<currentDigest>.*\)\?$/, '')];
    expect(auditPins(noDigest, pinned).problems).toEqual([
      `${file} spec.template.spec.containers.0.image: customManagers[${noDigest.customManagers.indexOf(images!)}] extracts currentDigest undefined (the file says ${digest})`,
    ]);
  });

  it('fails when two managers claim one pin, or a manager claims a [tools] entry of the mise manager', () => {
    const twice = structuredClone(config);
    twice.customManagers.push({ ...structuredClone(config.customManagers[0]!), description: 'copy' });
    const problems = auditPins(twice, files).problems;
    expect(problems).toContain(
      'mise.toml [_.infra.providers] "bpg/proxmox" = 0.111.1: found by 2 managers (customManagers[0], customManagers[' +
        `${twice.customManagers.length - 1}]); exactly one may`,
    );
    const tools = structuredClone(config);
    tools.customManagers.push({
      customType: 'regex',
      description: 'tools',
      managerFilePatterns: ['/^mise\\.toml$/'],
      matchStrings: ['\\nhelm = "(?<currentValue>[^"]+)"'],
      matchStringsStrategy: 'any',
      depNameTemplate: 'helm',
      datasourceTemplate: 'github-releases',
    });
    expect(auditPins(tools, files).problems).toEqual([
      'mise.toml [tools] "helm": read by the mise manager and by customManagers too',
    ]);
  });

  it('refuses a built-in manager whose files it has not been told', () => {
    const more = { ...config, enabledManagers: [...config.enabledManagers, 'helm-values'] };
    expect(auditPins(more, files).problems).toEqual([
      'enabledManagers has helm-values: add the files it reads to BUILT_IN_MANAGERS first',
    ]);
  });
});
