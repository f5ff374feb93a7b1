import { describe, expect, it } from 'vitest';
import { kubernetesCompatibility } from './compat';

describe('kubernetesCompatibility', () => {
  it.each([
    ['v1.13.9', '1.36.3'],
    ['v1.13.9', '1.31.0'],
    ['v1.13.0', '1.36.99'],
    ['v1.14.0-rc.1', '1.37.0'],
    ['v1.12.6', '1.30.2'],
  ])('Talos %s supports Kubernetes %s', (talos, kubernetes) => {
    expect(kubernetesCompatibility(talos, kubernetes)).toBeUndefined();
  });

  it.each([
    ['v1.13.9', '1.37.0', 'supports Kubernetes 1.31.0 to 1.36.x, not 1.37.0'],
    ['v1.13.9', '1.30.14', 'supports Kubernetes 1.31.0 to 1.36.x, not 1.30.14'],
    ['v1.12.6', '1.36.0', 'supports Kubernetes 1.30.0 to 1.35.x'],
    ['v1.9.0', '1.32.0', 'Talos 1.9 is not in the compatibility table'],
  ])('Talos %s does not support Kubernetes %s', (talos, kubernetes, message) => {
    expect(kubernetesCompatibility(talos, kubernetes)).toContain(message);
  });

  it('rejects a malformed version with VERSION_INVALID', () => {
    expect(() => kubernetesCompatibility('v1.13.9', '1.36')).toThrow(/not a version like/);
  });
});
