/**
 * The module configuration files the host reads at boot and when building the initramfs:
 * - `/etc/modules` and `/etc/modules-load.d/*.conf`: one module name per line (`#`/`;` comments);
 * - `/etc/modprobe.d/*.conf`: `options <module> k=v ...`, `softdep <module> pre: a b post: c`,
 *   `blacklist <module>`, `install …`, `alias …`.
 * modprobe treats `-` and `_` in module names alike; names are returned with `_`.
 */
export function moduleName(name: string): string {
  return name.trim().replaceAll('-', '_');
}

/** Module names listed in a modules-load file. */
export function parseModulesLoad(content: string): string[] {
  return content
    .split('\n')
    .map((line) => line.replace(/[#;].*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => moduleName(line.split(/\s+/)[0]!));
}

export interface ModprobeConfig {
  /** module → option tokens (`ids=10de:27b2,10de:22bc`, `disable_vga=1`) in file order. */
  options: Map<string, string[]>;
  /** module → modules named after `pre:`. */
  softdepPre: Map<string, string[]>;
  blacklist: Set<string>;
}

export function emptyModprobeConfig(): ModprobeConfig {
  return { options: new Map(), softdepPre: new Map(), blacklist: new Set() };
}

/** Parses one modprobe.d file into `into` (files are merged in the order modprobe reads them). */
export function parseModprobeConf(
  content: string,
  into: ModprobeConfig = emptyModprobeConfig(),
): ModprobeConfig {
  // A trailing backslash continues a line.
  const joined = content.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [command, target, ...rest] = line.split(/\s+/);
    if (!command || !target) continue;
    const module = moduleName(target);
    if (command === 'options') {
      into.options.set(module, [...(into.options.get(module) ?? []), ...rest]);
    } else if (command === 'blacklist') {
      into.blacklist.add(module);
    } else if (command === 'softdep') {
      const pre: string[] = [];
      let section: string | undefined;
      for (const word of rest) {
        if (word.endsWith(':')) section = word.slice(0, -1);
        else if (section === 'pre') pre.push(moduleName(word));
      }
      into.softdepPre.set(module, [...(into.softdepPre.get(module) ?? []), ...pre]);
    }
  }
  return into;
}

/** The PCI IDs given to vfio-pci by `options vfio-pci ids=...` lines (lower-case `vvvv:dddd`). */
export function vfioIds(config: ModprobeConfig): string[] {
  const ids: string[] = [];
  for (const option of config.options.get('vfio_pci') ?? []) {
    if (!option.startsWith('ids=')) continue;
    ids.push(
      ...option
        .slice(4)
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter(Boolean),
    );
  }
  return ids;
}
