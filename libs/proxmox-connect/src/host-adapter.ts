import { InfraError } from '@infra/core';
import type { ProxmoxClient } from '@infra/proxmox-client';
import type { ConnectErrorCode } from './error-codes';

/**
 * What differs between a real Proxmox host and the embedded simulator, for code that builds on a host: the
 * one place where "embedded" is decided, so builders never check it themselves.
 */
export interface HostAdapter {
  /** `real` or `embedded` (for messages only). */
  readonly kind: 'real' | 'embedded';
  /** Whether VMs really boot (Packer needs a guest it can reach over SSH). */
  readonly runsGuests: boolean;
  /** Why the host cannot download `url` (undefined: it can). `setting` names the config field for the hint. */
  downloadProblem(url: string, setting: string): InfraError | undefined;
  /**
   * Makes the host ready to import downloaded disk images into `storage`. A real host is set up by its
   * administrator (README: `pvesm set … --content …,import`), so this changes nothing there; the embedded
   * host is the demo of such a host and gets `import` content enabled. True when something changed.
   */
  prepareImageStorage(client: ProxmoxClient, storage: string): Promise<boolean>;
}

export const realHost: HostAdapter = {
  kind: 'real',
  runsGuests: true,
  downloadProblem: () => undefined,
  prepareImageStorage: async () => false,
};

const isLoopbackUrl = (url: string) => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
};

export const embeddedHost: HostAdapter = {
  kind: 'embedded',
  runsGuests: false,
  downloadProblem(url, setting) {
    if (isLoopbackUrl(url)) return undefined;
    return new InfraError<ConnectErrorCode>(
      'SIM_LOOPBACK_ONLY',
      `the embedded Proxmox simulator only downloads from loopback URLs (127.0.0.0/8, ::1, localhost), a sandbox rule of this project and not a Proxmox limitation, so it cannot fetch ${setting} (${url})`,
      {
        hint: `build on a real Proxmox host (\`-e prod\`), or serve the image locally (e.g. \`python3 -m http.server -b 127.0.0.1 8080\` in its folder) and point ${setting} at http://127.0.0.1:8080/<file> in an environment of infra.config.yaml (same checksum)`,
        details: { url },
      },
    );
  },
  async prepareImageStorage(client, storage) {
    const config = (await client.storageConfig(storage)) as { content?: string };
    const content = (config.content ?? '').split(',').filter(Boolean);
    if (content.includes('import')) return false;
    await client.updateStorage(storage, { content: [...content, 'import'].join(',') });
    return true;
  },
};
