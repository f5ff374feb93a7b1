import type { NodeRecord } from '@infra/talos-sim';

/** One node's part in a rolling upgrade, read from the Talos simulator's records. */
export interface UpgradeStep {
  address: string;
  /** When the node accepted the Upgrade call. */
  startedAt: number;
  /** When apid first served again from the new image after that (null: never). */
  backAt: number | null;
}

/**
 * Checks, from the simulator's node records, that a rolling upgrade to `image` happened as the module promises:
 * each node in `order` took exactly one new Upgrade (beyond the `before` count) to exactly `image`, runs it,
 * came back on it, and the next node's upgrade started only after the previous node was back. Returns the
 * steps and every violation found (empty: the upgrade was rolling and complete).
 */
export function checkRollingUpgrade(
  records: Record<string, NodeRecord>,
  order: string[],
  image: string,
  before: Record<string, number> = {},
): { steps: UpgradeStep[]; problems: string[] } {
  const problems: string[] = [];
  const steps: UpgradeStep[] = [];
  for (const address of order) {
    const record = records[address];
    if (!record) {
      problems.push(`${address}: no record`);
      continue;
    }
    const fresh = record.upgrades.slice(before[address] ?? 0);
    if (fresh.length !== 1) {
      problems.push(`${address}: ${fresh.length} upgrades, expected exactly 1`);
      if (fresh.length === 0) continue;
    }
    const upgrade = fresh[0]!;
    if (upgrade.image !== image) problems.push(`${address}: upgraded to ${upgrade.image}, expected ${image}`);
    if (record.installedImage !== image)
      problems.push(`${address}: runs ${record.installedImage}, expected ${image}`);
    const startedAt = Date.parse(upgrade.at);
    const back = record.bootLog.find(
      (b) => b.mode === 'configured' && b.image === image && Date.parse(b.at) >= startedAt,
    );
    if (!back) problems.push(`${address}: never booted ${image} after its upgrade`);
    steps.push({ address, startedAt, backAt: back ? Date.parse(back.at) : null });
  }
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1]!;
    const step = steps[i]!;
    if (previous.backAt === null || step.startedAt < previous.backAt)
      problems.push(
        `${step.address}: upgrade started at ${new Date(step.startedAt).toISOString()}, before ${previous.address} was back on the new image (${previous.backAt === null ? 'never' : new Date(previous.backAt).toISOString()})`,
      );
  }
  return { steps, problems };
}
