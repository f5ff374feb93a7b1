import type { NodeRecord } from '@infra/talos-sim';
import { describe, expect, it } from 'vitest';
import { checkRollingUpgrade } from './rolling';

const OLD = 'factory.talos.dev/nocloud-installer/aaaa:v1.13.9';
const NEW = 'factory.talos.dev/nocloud-installer/aaaa:v1.13.10';
const t = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s)).toISOString();

function node(address: string, upgradeAt: number | null, backAt: number | null, image = NEW): NodeRecord {
  return {
    address,
    mode: 'configured',
    installedImage: upgradeAt === null ? OLD : image,
    bootId: 'x',
    boots: 2,
    calls: {},
    applies: [],
    upgrades: upgradeAt === null ? [] : [{ at: t(upgradeAt), from: OLD, image }],
    images: [],
    reboots: [],
    bootLog: [
      { at: t(0), mode: 'configured', image: OLD },
      ...(backAt === null ? [] : [{ at: t(backAt), mode: 'configured' as const, image }]),
    ],
  };
}

describe('checkRollingUpgrade', () => {
  it('accepts one node at a time, each back on the image before the next starts', () => {
    const records = { a: node('a', 10, 12), b: node('b', 13, 15) };
    expect(checkRollingUpgrade(records, ['a', 'b'], NEW).problems).toEqual([]);
  });

  it('flags an upgrade that started before the previous node was back', () => {
    const records = { a: node('a', 10, 14), b: node('b', 12, 16) };
    expect(checkRollingUpgrade(records, ['a', 'b'], NEW).problems).toEqual([
      expect.stringMatching(/^b: upgrade started at .* before a was back/),
    ]);
  });

  it('flags the wrong order, a missing upgrade, another image and a node that never came back', () => {
    expect(
      checkRollingUpgrade({ a: node('a', 13, 15), b: node('b', 10, 12) }, ['a', 'b'], NEW).problems,
    ).toHaveLength(1);
    expect(checkRollingUpgrade({ a: node('a', null, null) }, ['a'], NEW).problems).toEqual([
      'a: 0 upgrades, expected exactly 1',
    ]);
    const other = 'factory.talos.dev/nocloud-installer/bbbb:v1.13.10';
    expect(checkRollingUpgrade({ a: node('a', 10, 12, other) }, ['a'], NEW).problems).toEqual([
      `a: upgraded to ${other}, expected ${NEW}`,
      `a: runs ${other}, expected ${NEW}`,
      `a: never booted ${NEW} after its upgrade`,
    ]);
    expect(checkRollingUpgrade({ a: node('a', 10, null) }, ['a'], NEW).problems).toEqual([
      `a: never booted ${NEW} after its upgrade`,
    ]);
  });

  it('counts only the upgrades after `before`', () => {
    const records = { a: node('a', 10, 12) };
    expect(checkRollingUpgrade(records, ['a'], NEW, { a: 1 }).problems).toEqual([
      'a: 0 upgrades, expected exactly 1',
    ]);
  });
});
