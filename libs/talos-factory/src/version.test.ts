import { describe, expect, it } from 'vitest';
import { compareTalosVersions, parseTalosVersion, supports } from './version';

describe('Talos versions', () => {
  it('parses with or without v and normalises', () => {
    expect(parseTalosVersion('1.13.9').text).toBe('v1.13.9');
    expect(parseTalosVersion('v1.14.0-rc.1').prerelease).toEqual(['rc', '1']);
    expect(() => parseTalosVersion('v1.13')).toThrow(
      expect.objectContaining({ code: 'TALOS_VERSION_INVALID' }),
    );
  });

  it('orders by semver, pre-releases before the release', () => {
    const sorted = [
      'v1.14.0',
      'v1.10.0',
      'v1.14.0-rc.1',
      'v1.9.6',
      'v1.14.0-alpha.2',
      'v1.14.0-beta.1',
      'v1.14.0-alpha.10',
    ].sort(compareTalosVersions);
    expect(sorted).toEqual([
      'v1.9.6',
      'v1.10.0',
      'v1.14.0-alpha.2',
      'v1.14.0-alpha.10',
      'v1.14.0-beta.1',
      'v1.14.0-rc.1',
      'v1.14.0',
    ]);
  });

  it('applies the factory version gates', () => {
    expect(supports('v1.9.6', 'unifiedInstaller')).toBe(false);
    expect(supports('v1.10.0', 'unifiedInstaller')).toBe(true);
    expect(supports('v1.7.9', 'zstdCompression')).toBe(false);
    expect(supports('v1.6.0', 'overlays')).toBe(false);
    expect(supports('v1.12.0-alpha.2', 'bootloaderSelection')).toBe(true);
    expect(supports('v1.12.0-alpha.1', 'bootloaderSelection')).toBe(false);
    expect(supports('v1.11.0', 'embeddedMachineConfig')).toBe(false);
  });
});
