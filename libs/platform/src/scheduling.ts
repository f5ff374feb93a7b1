import type { GpuNode, Taint } from './gpu-node';

/** The subset of a pod spec's scheduling fields these checks read. */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface MatchExpression {
  key: string;
  operator: string;
  values?: string[];
}

/** Kubernetes' rule (k8s.io/api core/v1 Toleration.ToleratesTaint): effect, then Exists or Equal on key/value. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  if (operator !== 'Equal') return false;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** Taints of the node that keep a pod with these tolerations off it (PreferNoSchedule only prefers). */
export function untoleratedTaints(tolerations: readonly Toleration[], node: GpuNode): Taint[] {
  return node.taints.filter(
    (taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)),
  );
}

/** nodeSelector entries the node's labels do not satisfy. */
export function unmatchedNodeSelector(selector: Record<string, unknown>, node: GpuNode): string[] {
  return Object.entries(selector)
    .filter(([key, value]) => node.labels[key] !== String(value))
    .map(([key, value]) => `${key}=${String(value)}`);
}

function _expressionMatches(expression: MatchExpression, labels: Record<string, string>): boolean {
  const value = labels[expression.key];
  const values = expression.values ?? [];
  switch (expression.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const number = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || Number.isNaN(number) || Number.isNaN(bound)) return false;
      return expression.operator === 'Gt' ? number > bound : number < bound;
    }
    default:
      return false;
  }
}

/**
 * Whether required node affinity lets the pod onto the node: the terms are ORed, the expressions of a term
 * ANDed (matchFields, which name node fields rather than labels, are not evaluated and count as matching).
 */
export function requiredAffinityMatches(affinity: unknown, node: GpuNode): boolean {
  const required = (
    affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown } }
  )?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution as
    | { nodeSelectorTerms?: { matchExpressions?: MatchExpression[] }[] }
    | undefined;
  const terms = required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => (term.matchExpressions ?? []).every((e) => _expressionMatches(e, node.labels)));
}
