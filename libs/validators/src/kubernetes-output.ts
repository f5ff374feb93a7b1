import { z } from 'zod';

/** One problem kubeconform reported for one resource. */
export interface KubeconformProblem {
  /** The file kubeconform read (a scratch path). */
  filename: string;
  kind: string;
  name: string;
  /** JSON pointer of the field ('' when the problem is the whole resource). */
  pointer: string;
  message: string;
}

const resourceSchema = z.object({
  filename: z.string(),
  kind: z.string().default(''),
  name: z.string().default(''),
  status: z.string(),
  msg: z.string().default(''),
});
const outputSchema = z.object({ resources: z.array(resourceSchema).default([]) });

/**
 * `kubeconform -output json`: only invalid and erroring resources are listed. The field-level detail is in `msg`
 * ("... - at '/spec/replicas': got string, want null or integer - at '/spec/...': additional properties 'x' not
 * allowed"); each leaf becomes one problem. Undefined when the output is not kubeconform's JSON.
 */
export function parseKubeconform(stdout: string): KubeconformProblem[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const parsed = outputSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const problems: KubeconformProblem[] = [];
  for (const resource of parsed.data.resources) {
    if (resource.status !== 'statusInvalid' && resource.status !== 'statusError') continue;
    const base = { filename: resource.filename, kind: resource.kind, name: resource.name };
    const leaves = [...resource.msg.matchAll(/- at '([^']*)': (.*?)(?=\s+- at '|$)/gs)]
      .map((match) => ({ pointer: match[1]!, message: match[2]!.trim() }))
      .filter((leaf) => leaf.message !== 'validation failed');
    if (leaves.length === 0) problems.push({ ...base, pointer: '', message: resource.msg });
    else for (const leaf of leaves) problems.push({ ...base, ...leaf });
  }
  return problems;
}

/** '/spec/template/spec/containers/0' -> ['spec', 'template', 'spec', 'containers', 0]. */
export function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
