import { type CustomManager, filePatternRegex, type RenovateConfig } from './config';
import { configPins, imagePins, misePins, type Pin, packerPluginPins } from './pins';
import { extractWithManager, type ManagerMatch } from './regex-manager';

/**
 * The built-in managers renovate.json enables, and the files each reads (their default patterns). A manager
 * not listed here is refused: nobody has checked which pins it would also claim.
 */
export const BUILT_IN_MANAGERS: Readonly<Record<string, RegExp>> = {
  npm: /(^|\/)(package\.json|pnpm-workspace\.yaml)$/,
  mise: /(^|\/)\.?mise\.toml$/,
  terraform: /(\.tf|\.terraform\.lock\.hcl)$/,
  gomod: /(^|\/)go\.mod$/,
};

/** Which files hold pins, and the reader that lists them. */
const PIN_FILES: readonly [RegExp, (file: string, text: string) => Pin[]][] = [
  [/^mise\.toml$/, misePins],
  [/^packer\/[^/]+\/[^/]+\.pkr\.hcl$/, packerPluginPins],
  [/^infra\.config\.yaml$/, configPins],
  [/^kubernetes\/.+\.ya?ml$/, imagePins],
];

export interface AuditResult {
  pins: Pin[];
  matches: ManagerMatch[];
  /** Empty when every pin is found by exactly one manager with its exact version. */
  problems: string[];
}

export const isPinFile = (file: string) => PIN_FILES.some(([pattern]) => pattern.test(file));

export const managerReads = (manager: CustomManager, file: string) =>
  manager.managerFilePatterns.some((p) => filePatternRegex(p).test(file));

/** Checks renovate.json against the pins the files hold. `files`: repository path → content. */
export function auditPins(config: RenovateConfig, files: ReadonlyMap<string, string>): AuditResult {
  const problems: string[] = [];
  for (const name of config.enabledManagers) {
    if (name !== 'custom.regex' && !(name in BUILT_IN_MANAGERS)) {
      problems.push(`enabledManagers has ${name}: add the files it reads to BUILT_IN_MANAGERS first`);
    }
  }
  const pins: Pin[] = [];
  for (const [file, text] of files) {
    for (const [pattern, read] of PIN_FILES) if (pattern.test(file)) pins.push(...read(file, text));
  }
  const matches: ManagerMatch[] = [];
  config.customManagers.forEach((manager, index) => {
    for (const [file, text] of files) {
      if (!managerReads(manager, file)) continue;
      const builtIn = Object.entries(BUILT_IN_MANAGERS).find(
        ([name, pattern]) => name !== 'mise' && pattern.test(file),
      );
      if (builtIn)
        problems.push(`customManagers[${index}] reads ${file}, which the ${builtIn[0]} manager reads`);
      matches.push(...extractWithManager(manager, index, file, text));
    }
  });

  const claimed = new Set<ManagerMatch>();
  for (const pin of pins) {
    const found = matches.filter((m) => m.file === pin.file && m.start <= pin.offset && pin.offset < m.end);
    for (const m of found) claimed.add(m);
    if (pin.reader === 'mise') {
      if (!config.enabledManagers.includes('mise'))
        problems.push(`${pin.where}: the mise manager is not enabled`);
      if (found.length > 0) problems.push(`${pin.where}: read by the mise manager and by customManagers too`);
      continue;
    }
    if (pin.version === '') {
      problems.push(`${pin.where}: ${pin.name ?? 'the dependency'} has no version (pin an exact tag)`);
      continue;
    }
    if (found.length !== 1) {
      const which = found.map((m) => `customManagers[${m.manager}]`).join(', ');
      problems.push(
        found.length === 0
          ? `${pin.where} = ${pin.version}: no manager in renovate.json finds this pin`
          : `${pin.where} = ${pin.version}: found by ${found.length} managers (${which}); exactly one may`,
      );
      continue;
    }
    const [m] = found as [ManagerMatch];
    const wrong = [
      m.currentValue !== pin.version && `currentValue ${m.currentValue} (the file says ${pin.version})`,
      pin.name !== undefined && m.depName !== pin.name && `depName ${m.depName} (the file says ${pin.name})`,
      m.currentDigest !== pin.digest && `currentDigest ${m.currentDigest} (the file says ${pin.digest})`,
      !m.datasource && 'no datasource',
    ].filter(Boolean);
    if (wrong.length > 0)
      problems.push(`${pin.where}: customManagers[${m.manager}] extracts ${wrong.join(', ')}`);
  }
  for (const m of matches) {
    if (!claimed.has(m)) {
      problems.push(
        `customManagers[${m.manager}] extracts ${m.depName}@${m.currentValue} from ${m.file}, which is no pin this check knows`,
      );
    }
  }
  return { pins, matches, problems };
}
