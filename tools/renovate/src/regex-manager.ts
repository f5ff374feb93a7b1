import type { CustomManager } from './config';
import { renderTemplate } from './template';

/** One dependency a custom regex manager extracts from one file, with where its match lies. */
export interface ManagerMatch {
  /** Index of the manager in renovate.json customManagers. */
  manager: number;
  file: string;
  /** Offsets of the innermost match in the file: the text Renovate rewrites. */
  start: number;
  end: number;
  depName: string | undefined;
  packageName: string | undefined;
  currentValue: string | undefined;
  currentDigest: string | undefined;
  datasource: string | undefined;
}

type Groups = Record<string, string | undefined>;

/**
 * What Renovate's regex manager extracts from `content`, the same way: every matchString with the `g` flag;
 * `recursive` applies each string to the matches of the one before (capture groups carry down); a
 * `<field>Template` wins over a captured group of that name.
 */
export function extractWithManager(
  manager: CustomManager,
  index: number,
  file: string,
  content: string,
): ManagerMatch[] {
  const found: { start: number; end: number; groups: Groups }[] = [];
  if (manager.matchStringsStrategy === 'recursive') {
    recurse(manager.matchStrings, content, 0, {}, found);
  } else {
    for (const source of manager.matchStrings) {
      for (const m of content.matchAll(new RegExp(source, 'g'))) {
        found.push({ start: m.index, end: m.index + m[0].length, groups: { ...m.groups } });
      }
    }
  }
  return found.map(({ start, end, groups }) => {
    const depName = field(manager.depNameTemplate, 'depName', groups);
    return {
      manager: index,
      file,
      start,
      end,
      depName,
      // Renovate looks a dependency up by its packageName, which defaults to its depName.
      packageName: field(manager.packageNameTemplate, 'packageName', groups) ?? depName,
      currentValue: groups.currentValue,
      currentDigest: groups.currentDigest,
      datasource: field(manager.datasourceTemplate, 'datasource', groups),
    };
  });
}

function recurse(
  strings: readonly string[],
  text: string,
  offset: number,
  inherited: Groups,
  found: { start: number; end: number; groups: Groups }[],
): void {
  const [first, ...rest] = strings;
  if (first === undefined) return;
  for (const m of text.matchAll(new RegExp(first, 'g'))) {
    const groups = { ...inherited, ...definedGroups(m.groups) };
    const start = offset + m.index;
    if (rest.length === 0) found.push({ start, end: start + m[0].length, groups });
    else recurse(rest, m[0], start, groups, found);
  }
}

const definedGroups = (groups: Groups | undefined): Groups =>
  Object.fromEntries(Object.entries(groups ?? {}).filter(([, v]) => v !== undefined));

function field(template: string | undefined, name: string, groups: Groups): string | undefined {
  if (template !== undefined) return renderTemplate(template, groups);
  return groups[name];
}
