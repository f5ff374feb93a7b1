import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ValidationContext } from './context';
import type { Finding } from './finding';
import { toRepoPath } from './paths';
import { lineInDocument } from './yaml-locate';

/**
 * `packer/<os>/image.yaml` describes an image that is not built by Packer (Talos: scripts/build-image.ts drives
 * the Proxmox API with the Image Factory disk image). The file keeps the image discoverable as a project.
 */
export const imageManifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase image name like "talos"'),
  builder: z.literal('proxmox-api', {
    error: 'expected "proxmox-api" (Packer images have *.pkr.hcl instead)',
  }),
  entrypoint: z
    .string()
    .regex(/^scripts\/[\w.-]+\.ts$/, 'expected a repo-relative script like scripts/build-image.ts'),
  config: z.string().regex(/^[a-z][\w.]*$/, 'expected the infra.config.yaml section, e.g. "talos"'),
  description: z.string().optional(),
});

export async function validateImageManifest(ctx: ValidationContext): Promise<Finding[]> {
  const path = join(ctx.projectRoot, 'image.yaml');
  const file = toRepoPath(ctx.repoRoot, path);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const finding = (message: string, line?: number, severity: Finding['severity'] = 'error'): Finding => ({
    file,
    ...(line ? { line } : {}),
    rule: 'image-manifest',
    severity,
    message,
    tool: 'infra',
  });
  if (text === undefined) {
    return [finding('an image folder needs *.pkr.hcl templates or an image.yaml that names its builder')];
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0)
    return doc.errors.map((error) => finding(error.message, error.linePos?.[0]?.line));
  const parsed = imageManifestSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const line = lineInDocument(doc, text, issue.path as (string | number)[]);
      return finding(`${issue.path.join('.') || '(top level)'}: ${issue.message}`, line);
    });
  }
  const entrypoint = join(ctx.repoRoot, parsed.data.entrypoint);
  const exists = await access(entrypoint).then(
    () => true,
    () => false,
  );
  return exists
    ? []
    : [finding(`entrypoint ${parsed.data.entrypoint} does not exist (yet)`, undefined, 'warning')];
}
