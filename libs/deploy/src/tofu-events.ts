import { normalize } from 'node:path';
import { z } from 'zod';

/**
 * OpenTofu's machine-readable UI (`plan|apply|destroy -json`): one JSON object per line. Only the fields the
 * deploy stage reads are declared; everything else passes through untouched (loose objects).
 */
const rangeSchema = z.looseObject({
  filename: z.string(),
  start: z.looseObject({ line: z.number() }),
});

export const diagnosticSchema = z.looseObject({
  severity: z.enum(['error', 'warning']),
  summary: z.string(),
  detail: z.string().default(''),
  address: z.string().optional(),
  range: rangeSchema.optional(),
});
export type Diagnostic = z.infer<typeof diagnosticSchema>;

const changesSchema = z.looseObject({
  add: z.number(),
  change: z.number(),
  remove: z.number(),
  import: z.number().default(0),
  operation: z.string(),
});
export type ChangeCounts = z.infer<typeof changesSchema>;

const hookResource = z.looseObject({ addr: z.string() });

const eventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('diagnostic'), diagnostic: diagnosticSchema }),
  z.looseObject({ type: z.literal('change_summary'), changes: changesSchema }),
  z.looseObject({
    type: z.literal('planned_change'),
    change: z.looseObject({ resource: hookResource, action: z.string() }),
  }),
  z.looseObject({
    type: z.enum(['apply_start', 'apply_progress', 'apply_complete', 'apply_errored']),
    hook: z.looseObject({
      resource: hookResource,
      action: z.string(),
      elapsed_seconds: z.number().optional(),
      id_key: z.string().optional(),
      id_value: z.string().optional(),
    }),
  }),
  z.looseObject({ type: z.literal('outputs'), outputs: z.record(z.string(), z.unknown()) }),
]);
export type TofuEvent = z.infer<typeof eventSchema>;

/** One line of `-json` output as an event the stage reads, or null (other event types, non-JSON lines). */
export function parseEvent(line: string): TofuEvent | null {
  if (!line.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = eventSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** What a run's event stream amounts to: the change counts, the planned changes and the diagnostics. */
export interface RunReport {
  changes: ChangeCounts | undefined;
  planned: Array<{ address: string; action: string }>;
  diagnostics: Diagnostic[];
  outputs: Record<string, unknown> | undefined;
}

export function emptyReport(): RunReport {
  return { changes: undefined, planned: [], diagnostics: [], outputs: undefined };
}

/** Folds one event into the report (mutates it; the stream is consumed line by line). */
export function recordEvent(report: RunReport, event: TofuEvent): void {
  switch (event.type) {
    case 'diagnostic':
      report.diagnostics.push(event.diagnostic);
      return;
    case 'change_summary':
      report.changes = event.changes;
      return;
    case 'planned_change':
      report.planned.push({ address: event.change.resource.addr, action: event.change.action });
      return;
    case 'outputs':
      report.outputs = event.outputs;
      return;
    default:
      return;
  }
}

/** A progress line for people watching an apply, or undefined for events that are not progress. */
export function progressLine(event: TofuEvent): string | undefined {
  switch (event.type) {
    case 'planned_change':
      return `plan: ${event.change.action} ${event.change.resource.addr}`;
    case 'apply_start':
      return `${event.hook.resource.addr}: ${event.hook.action} started`;
    case 'apply_progress':
      return `${event.hook.resource.addr}: still ${event.hook.action}ing (${event.hook.elapsed_seconds ?? 0}s)`;
    case 'apply_complete':
      return `${event.hook.resource.addr}: ${event.hook.action} done${
        event.hook.id_value ? ` (${event.hook.id_key ?? 'id'}=${event.hook.id_value})` : ''
      } after ${event.hook.elapsed_seconds ?? 0}s`;
    case 'apply_errored':
      return `${event.hook.resource.addr}: ${event.hook.action} failed after ${event.hook.elapsed_seconds ?? 0}s`;
    default:
      return undefined;
  }
}

/** `summary: detail (resource; file:line)` — one line per diagnostic, naming what tofu names. */
export function formatDiagnostic(diagnostic: Diagnostic, rootLabel: string): string {
  const where = [
    diagnostic.address,
    diagnostic.range
      ? `${normalize(`${rootLabel}/${diagnostic.range.filename}`)}:${diagnostic.range.start.line}`
      : undefined,
  ].filter(Boolean);
  const detail = diagnostic.detail.trim().replace(/\s*\n\s*/g, ' ');
  return `${diagnostic.summary}${detail ? `: ${detail}` : ''}${where.length > 0 ? ` (${where.join('; ')})` : ''}`;
}

export function hasChanges(changes: ChangeCounts | undefined): boolean {
  return changes !== undefined && changes.add + changes.change + changes.remove + changes.import > 0;
}

export function formatCounts(changes: ChangeCounts | undefined): string {
  if (!changes) return 'no change summary';
  const imports = changes.import > 0 ? `${changes.import} to import, ` : '';
  return `${imports}${changes.add} to add, ${changes.change} to change, ${changes.remove} to destroy`;
}
