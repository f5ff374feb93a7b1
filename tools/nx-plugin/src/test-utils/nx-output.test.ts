import { describe, expect, it } from 'vitest';
import { summarizeRun } from './nx-output';

describe('summarizeRun', () => {
  it('reads ran, cached and failed tasks from static output', () => {
    const output = [
      '> nx run talos-config:validate  [local cache]',
      '> nx run debian:validate',
      'Warning: command "x" exited with non-zero status code',
      '> nx run talos-config:build-image',
      ' NX   Running target validate for 2 projects failed',
      'Failed tasks:',
      '',
      '- debian:validate',
      '',
      'Nx read the output from the cache instead of running the command for 1 out of 2 tasks.',
    ].join('\n');
    expect(summarizeRun(output)).toEqual({
      ran: ['talos-config', 'debian'],
      cached: 1,
      failed: ['debian:validate'],
    });
  });

  it('reports nothing cached or failed when Nx says nothing about it', () => {
    expect(summarizeRun('> nx run a:validate\n')).toEqual({ ran: ['a'], cached: 0, failed: [] });
  });
});
