import { isInfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { chooseTemplates, splitTags } from './templates';

const want = {
  talos: {
    tag: 'fp-abc',
    source: 'infra.config.yaml: environments.local.talos',
    build: 'nx run talos:build-image',
  },
};

describe('chooseTemplates', () => {
  it('prefers the template on the node itself, else one on shared storage', () => {
    const chosen = chooseTemplates(
      want,
      [
        { vmid: 9001, node: 'pve2', tags: ['fp-abc'], shared: false },
        { vmid: 9000, node: 'pve1', tags: ['infra', 'fp-abc'], shared: true },
        { vmid: 9002, node: 'pve3', tags: ['fp-other'], shared: true },
      ],
      ['pve1', 'pve2', 'pve3'],
      'pve1',
    );
    expect(chosen.talos).toEqual({
      pve1: { vm_id: 9000, node_name: 'pve1' },
      pve2: { vm_id: 9001, node_name: 'pve2' },
      pve3: { vm_id: 9000, node_name: 'pve1' },
    });
  });

  it('names the tag, where its fingerprint comes from and the build when the node has none', () => {
    const error = (() => {
      try {
        chooseTemplates(
          want,
          [{ vmid: 9001, node: 'pve2', tags: ['fp-abc'], shared: false }],
          ['pve1', 'pve2'],
          'pve1',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(isInfraError(error) && error.code).toBe('DEPLOY_TEMPLATE_NOT_FOUND');
    expect((error as Error).message).toBe(
      'no template tagged fp-abc for "talos" (infra.config.yaml: environments.local.talos) on node pve1 or on shared storage; found only VM 9001 on pve2 (node-local storage)',
    );
  });

  it('splits PVE tag lists', () => {
    expect(splitTags('infra;fp-abc')).toEqual(['infra', 'fp-abc']);
    expect(splitTags(undefined)).toEqual([]);
  });
});
