import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from './settings';

const dirs = { repoRoot: '/repo', cwd: '/work' };
const config = {
  selector: { vendor: '10de', class: '03' },
  mapping: 'rtx4000ada',
  iommuPassthrough: true,
  host: { ssh: 'root@pve.lan', identityFile: '~/.ssh/pve', knownHostsFile: 'secrets/known_hosts' },
};

describe('resolveSettings', () => {
  it('takes host and options from the config, paths resolved against home and the repo root', () => {
    expect(resolveSettings(config, {}, dirs)).toEqual({
      plan: { selector: { vendor: '10de', class: '03' }, iommuPassthrough: true, disableVga: false },
      host: {
        kind: 'ssh',
        target: 'root@pve.lan',
        identityFile: `${homedir()}/.ssh/pve`,
        knownHostsFile: '/repo/secrets/known_hosts',
      },
    });
  });

  it('lets flags win, relative flag paths against the cwd', () => {
    const settings = resolveSettings(
      config,
      { host: 'admin@10.0.0.2:2222', identity: 'k', select: '01:00', iommuPt: false, root: 'r' },
      dirs,
    );
    expect(settings).toEqual({
      plan: {
        selector: { vendor: '10de', class: '03', address: '01:00' },
        iommuPassthrough: false,
        disableVga: false,
      },
      host: {
        kind: 'ssh',
        target: 'admin@10.0.0.2:2222',
        identityFile: '/work/k',
        knownHostsFile: '/repo/secrets/known_hosts',
        root: '/work/r',
      },
    });
    expect(resolveSettings(config, { local: true }, dirs).host).toEqual({ kind: 'local' });
  });

  it('never guesses a host, and refuses --local with --host', () => {
    expect(resolveSettings({ mapping: 'x' }, {}, dirs).host).toBeUndefined();
    expect(resolveSettings(undefined, {}, dirs)).toEqual({
      plan: { selector: {}, iommuPassthrough: false, disableVga: false },
      host: undefined,
    });
    expect(() => resolveSettings(config, { local: true, host: 'root@x' }, dirs)).toThrow(
      /exclude each other/,
    );
  });
});
