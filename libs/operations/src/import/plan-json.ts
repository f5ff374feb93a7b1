import { z } from 'zod';
import { deepEqual } from './generate';

/**
 * The resource changes of a saved plan (`tofu show -json <planfile>`): for an import, `before` is what the
 * provider read (the imported state) and `importing.id` the import ID; for a resource being created,
 * `after` is what the provider plans (its defaults for everything the config leaves out).
 */
const changeSchema = z.looseObject({
  address: z.string(),
  type: z.string(),
  mode: z.string().optional(),
  change: z.looseObject({
    actions: z.array(z.string()),
    before: z.record(z.string(), z.unknown()).nullable().optional(),
    after: z.record(z.string(), z.unknown()).nullable().optional(),
    importing: z.looseObject({ id: z.string().optional() }).nullish(),
  }),
});
export type ResourceChange = z.infer<typeof changeSchema>;

export const planJsonSchema = z.looseObject({
  format_version: z.string(),
  resource_changes: z.array(changeSchema).default([]),
});

export function resourceChanges(document: unknown): ResourceChange[] {
  return planJsonSchema.parse(document).resource_changes;
}

/** What a plan would do beyond importing, one line per resource (empty: the imports change nothing). */
export function changesBeyondImport(changes: readonly ResourceChange[]): string[] {
  const out: string[] = [];
  for (const rc of changes) {
    const actions = rc.change.actions.join(',');
    if (actions === 'no-op' || actions === 'read') continue;
    const before = rc.change.before ?? {};
    const after = rc.change.after ?? {};
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => !deepEqual(before[k], after[k]))
      .sort();
    out.push(`${rc.address}: ${actions}${keys.length > 0 ? ` (${keys.join(', ')})` : ''}`);
  }
  return out;
}
