/**
 * Checks for the named formats (`format: 'pve-vmid'` …) that the parameters of our endpoints use, written from
 * the regexes and messages in pve-common, pve-storage and qemu-server. Each returns the text Proxmox puts after
 * `invalid format - `, or null when the value is fine. Formats without a checker here pass (the server is the
 * final judge; the simulator only needs the ones the project sends).
 */
type FormatCheck = (value: string) => string | null;

const NODE = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const CONFIG_ID = /^[a-z][a-z0-9_-]+$/i;
const DNS_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DNS_NAME = new RegExp(`^(?:${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const VOLUME_ID = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;
const STORAGE_CONTENT = new Set([
  'images',
  'rootdir',
  'vztmpl',
  'iso',
  'backup',
  'snippets',
  'import',
  'none',
]);

const list = (value: string, separators = /[,;\s]+/) => value.split(separators).filter((s) => s !== '');

function checkList(value: string, each: FormatCheck): string | null {
  for (const item of list(value)) {
    const error = each(item);
    if (error) return error;
  }
  return null;
}

const volumeId: FormatCheck = (v) => (VOLUME_ID.test(v) ? null : `unable to parse volume ID '${v}'`);
const cidr = (v: string, v4: boolean) => {
  const [ip, prefix, ...rest] = v.split('/');
  if (rest.length > 0 || ip === undefined || prefix === undefined || !/^\d+$/.test(prefix)) return false;
  return v4 ? IPV4.test(ip) && Number(prefix) <= 32 : IPV6.test(ip) && Number(prefix) <= 128;
};

export const FORMAT_CHECKS: Readonly<Record<string, FormatCheck>> = {
  'pve-vmid': (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? null : 'value does not look like a valid VM ID'),
  'pve-node': (v) => (NODE.test(v) ? null : 'value does not look like a valid node name'),
  'pve-node-list': (v) =>
    checkList(v, (n) => (NODE.test(n) ? null : 'value does not look like a valid node name')),
  'pve-storage-id': (v) => (STORAGE_ID.test(v) ? null : `storage ID '${v}' contains illegal characters`),
  'pve-configid': (v) => (CONFIG_ID.test(v) ? null : `invalid configuration ID '${v}'`),
  'pve-configid-list': (v) =>
    checkList(v, (id) => (CONFIG_ID.test(id) ? null : `invalid configuration ID '${id}'`)),
  'pve-poolid': (v) => (/^[A-Za-z0-9_-]+$/.test(v) ? null : `invalid pool ID '${v}'`),
  'pve-realm': (v) =>
    /^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? null : 'value does not look like a valid realm',
  'dns-name': (v) => (DNS_NAME.test(v) ? null : 'value does not look like a valid DNS name'),
  'mac-addr': (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v)
      ? null
      : 'value does not look like a valid unicast MAC address',
  'pve-bridge-id': (v) => (/^[-_.\w]+$/.test(v) ? null : `invalid bridge ID '${v}'`),
  'pve-tag-list': (v) =>
    checkList(v, (tag) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(tag) ? null : `invalid tag '${tag}'`)),
  urlencoded: (v) => (/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? null : `invalid urlencoded string: ${v}`),
  'pve-volume-id': volumeId,
  'pve-volume-id-or-qm-path': (v) =>
    v === 'none' || v === 'cdrom' || v.startsWith('/') ? null : volumeId(v),
  'pve-volume-id-or-absolute-path': (v) => (v.startsWith('/') ? null : volumeId(v)),
  'disk-size': (v) => (/^\d+(\.\d+)?[KMGT]?$/.test(v) ? null : `disk size '${v}' is not valid`),
  'pve-storage-content': (v) => (STORAGE_CONTENT.has(v) ? null : `invalid content type '${v}'`),
  'pve-storage-content-list': (v) =>
    checkList(v, (c) => (STORAGE_CONTENT.has(c) ? null : `invalid content type '${c}'`)),
  CIDR: (v) => (cidr(v, true) || cidr(v, false) ? null : `value does not look like a valid CIDR network`),
  'address-list': (v) =>
    checkList(v, (a) =>
      IPV4.test(a) || IPV6.test(a) ? null : `value does not look like a valid address: ${a}`,
    ),
};

/** Checks for keys of typetext-derived property strings whose Perl format checks the value in code. */
export const PROPERTY_KEY_CHECKS: Readonly<Record<string, Readonly<Record<string, FormatCheck>>>> = {
  'pve-qm-ipconfig': {
    ip: (v) => (v === 'dhcp' || cidr(v, true) ? null : 'invalid IPv4 address/CIDR'),
    gw: (v) => (IPV4.test(v) ? null : 'invalid IPv4 gateway'),
    ip6: (v) => (v === 'dhcp' || v === 'auto' || cidr(v, false) ? null : 'invalid IPv6 address/CIDR'),
    gw6: (v) => (IPV6.test(v) ? null : 'invalid IPv6 gateway'),
  },
  'pve-qm-hostpci': {
    mapping: (v) => (CONFIG_ID.test(v) ? null : `invalid configuration ID '${v}'`),
  },
};

export function checkFormat(format: string, value: string): string | null {
  const check = FORMAT_CHECKS[format];
  return check ? check(value) : null;
}
