import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptyQcow2 } from '@infra/factory-sim';

/**
 * Test support (not exported from the package index): a small valid qcow2 served over HTTP on 127.0.0.1, the
 * only kind of URL the Proxmox simulator downloads from, with its real sha512, and the matching `images.<os>`
 * YAML block for an infra.config.yaml catalog.
 */
export interface ServedImage {
  url: string;
  sha512: string;
  /** GET requests the server answered, by path. */
  hits: string[];
  /** `images:` block (2-space indented, for a catalog) pointing at this server. */
  imagesYaml(hardware?: string): string;
  stop(): Promise<void>;
}

export async function serveCloudImage(
  fileName = 'debian-13-genericcloud-amd64-test.qcow2',
): Promise<ServedImage> {
  const image = emptyQcow2(2 * 1024 ** 3, `infra test cloud image ${fileName}`);
  const sha512 = createHash('sha512').update(image).digest('hex');
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url !== `/${fileName}`) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': image.length });
    res.end(image);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${fileName}`;
  return {
    url,
    sha512,
    hits,
    imagesYaml: (hardware = '{ cores: 2, memoryMiB: 2048, diskGiB: 16 }') =>
      [
        '  images:',
        '    debian:',
        '      version: "13"',
        `      source: { url: "${url}", checksum: "sha512:${sha512}" }`,
        `      hardware: ${hardware}`,
        '',
      ].join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
