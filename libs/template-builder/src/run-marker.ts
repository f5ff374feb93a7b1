import { randomBytes } from 'node:crypto';

/**
 * Who made a VM. Every build run has an id; the VM it creates carries the `infra-building` tag and the run's tag
 * from the create call until the template conversion is done. Proxmox copies tags and descriptions into
 * clones, but clones are made from finished templates, which carry neither marker, so "this tool's unfinished
 * build" is exactly: both marker tags, the run id repeated in the description, the expected name, not a
 * template. The fingerprint tag alone never makes a VM deletable.
 */
export interface BuildRun {
  /** 12 lowercase hex digits (a valid Proxmox tag suffix). */
  id: string;
}

export const BUILDING_TAG = 'infra-building';
const RUN_TAG_PREFIX = 'infra-run-';

export const newBuildRun = (): BuildRun => ({ id: randomBytes(6).toString('hex') });

export const runTag = (run: BuildRun | string) =>
  `${RUN_TAG_PREFIX}${typeof run === 'string' ? run : run.id}`;

/** The run id in a VM's tags, if it carries the building marker and exactly one run tag. */
export function buildingRunId(tags: readonly string[]): string | undefined {
  if (!tags.includes(BUILDING_TAG)) return undefined;
  const runs = tags.filter((t) => t.startsWith(RUN_TAG_PREFIX));
  return runs.length === 1 ? runs[0]!.slice(RUN_TAG_PREFIX.length) : undefined;
}

/** The tags of a finished template: the build's tags without the two markers. */
export const finishedTags = (tags: readonly string[]) =>
  tags.filter((t) => t !== BUILDING_TAG && !t.startsWith(RUN_TAG_PREFIX));
