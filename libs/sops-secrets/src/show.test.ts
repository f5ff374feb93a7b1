import { InfraError } from '@infra/core';
import { describe, expect, it } from 'vitest';
import { selectKey } from './show';

const DATA = { proxmox: { tokenId: 'infra@pve!build', tokenSecret: 'secret-value' } };

describe('selectKey', () => {
  it('walks a dotted key path', () => {
    expect(selectKey(DATA, 'proxmox.tokenId', 'secrets/x.enc.yaml')).toBe('infra@pve!build');
  });

  it.each(['constructor', 'toString', '__proto__', 'proxmox.constructor', 'proxmox.hasOwnProperty'])(
    '"%s" is no key (own properties only, never Object.prototype)',
    (keyPath) => {
      const error = (() => {
        try {
          selectKey(DATA, keyPath, 'secrets/x.enc.yaml');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InfraError);
      expect((error as InfraError).code).toBe('SECRETS_KEY_NOT_FOUND');
      expect((error as InfraError).message).toBe(`secrets/x.enc.yaml has no key ${keyPath}`);
    },
  );
});
