import { describe, expect, it } from 'vitest';
import {
  emptyReport,
  formatDiagnostic,
  hasChanges,
  parseEvent,
  progressLine,
  recordEvent,
} from './tofu-events';

/** Lines as `tofu apply -json` prints them (OpenTofu 1.12 machine-readable UI). */
const LINES = [
  '{"@level":"info","@message":"OpenTofu 1.12.6","type":"version","tofu":"1.12.6","ui":"1.2"}',
  '{"@level":"info","@message":"module.vm[0].proxmox_virtual_environment_vm.this: Plan to create","type":"planned_change","change":{"resource":{"addr":"module.vm[0].proxmox_virtual_environment_vm.this","module":"module.vm[0]"},"action":"create"}}',
  '{"@level":"info","type":"apply_start","hook":{"resource":{"addr":"module.vm[0].proxmox_virtual_environment_vm.this"},"action":"create"}}',
  '{"@level":"info","type":"apply_complete","hook":{"resource":{"addr":"module.vm[0].proxmox_virtual_environment_vm.this"},"action":"create","id_key":"id","id_value":"100","elapsed_seconds":12}}',
  '{"@level":"info","type":"change_summary","changes":{"add":1,"change":0,"import":0,"remove":0,"operation":"apply"}}',
  '{"@level":"error","type":"diagnostic","diagnostic":{"severity":"error","summary":"error cloning VM","detail":"received an HTTP 500 response\\n- Reason: storage does not exist","address":"module.vm[0].proxmox_virtual_environment_vm.this","range":{"filename":"../modules/proxmox-vm/main.tf","start":{"line":6,"column":1,"byte":0},"end":{"line":6,"column":2,"byte":1}}}}',
  'not json at all',
];

describe('tofu -json events', () => {
  it('folds a run into changes, planned changes and diagnostics, with progress lines', () => {
    const report = emptyReport();
    const progress: string[] = [];
    for (const line of LINES) {
      const event = parseEvent(line);
      if (!event) continue;
      recordEvent(report, event);
      const text = progressLine(event);
      if (text) progress.push(text);
    }
    expect(report.changes).toMatchObject({ add: 1, change: 0, remove: 0 });
    expect(hasChanges(report.changes)).toBe(true);
    expect(report.planned).toEqual([
      { address: 'module.vm[0].proxmox_virtual_environment_vm.this', action: 'create' },
    ]);
    expect(progress).toEqual([
      'plan: create module.vm[0].proxmox_virtual_environment_vm.this',
      'module.vm[0].proxmox_virtual_environment_vm.this: create started',
      'module.vm[0].proxmox_virtual_environment_vm.this: create done (id=100) after 12s',
    ]);
    expect(formatDiagnostic(report.diagnostics[0]!, 'terraform/environments/local')).toBe(
      'error cloning VM: received an HTTP 500 response - Reason: storage does not exist (module.vm[0].proxmox_virtual_environment_vm.this; terraform/environments/modules/proxmox-vm/main.tf:6)',
    );
  });

  it('sees no changes in an all-zero summary', () => {
    expect(hasChanges({ add: 0, change: 0, remove: 0, import: 0, operation: 'plan' })).toBe(false);
    expect(hasChanges(undefined)).toBe(false);
  });
});
