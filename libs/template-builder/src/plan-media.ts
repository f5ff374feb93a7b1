import { type ApiStep, checkImagesStorage, type ObservedStorage, type TemplatePlacement } from './plan';

/**
 * The pure planner of an ISO OS's base stage (NixOS, Windows): the base is the install media, present and
 * verified in the images storage's `iso` content. Each medium has a content-addressed volume name
 * (`<os>-<version>-<media>-<checksum prefix>.iso`, from `installMediaVolume` of @infra/validators, which also
 * gives Packer its `iso_file`), so a name present means that pin was downloaded and checked by Proxmox; a
 * missing one is one `download-url` step with the checksum, or for a local copy (`source.path`) one `upload`
 * step under the same name with the same checksum, which Proxmox verifies again. No VM here: Packer's `proxmox-iso` (the golden
 * stage) creates the VM from these ISOs and converts it to a template.
 */
export interface InstallMedium {
  media: 'source' | 'drivers';
  /** The config field it comes from, for messages (`images.windows.drivers`). */
  setting: string;
  url: string;
  algorithm: 'sha256' | 'sha512';
  checksum: string;
  /** `<images storage>:iso/<file>.iso`. */
  volid: string;
  /** A local copy to put on the host instead of downloading `url` (`images.<os>.source.path`). */
  localPath?: string;
}

export interface ObservedMedia {
  images?: ObservedStorage;
  /** Volids of the images storage's `iso` content. */
  isoVolumes: string[];
}

export type MediaDecision =
  | { status: 'up-to-date'; volumes: string[] }
  | { status: 'build'; volumes: string[]; steps: MediaStep[] };

export type MediaStep = Extract<ApiStep, { kind: 'download' | 'upload' }>;

/**
 * Up to date when every medium's volume is there; otherwise one checksum-verified download (or, for a local
 * copy, upload) per missing one.
 */
export function planMedia(
  placement: TemplatePlacement,
  observed: ObservedMedia,
  media: readonly InstallMedium[],
  what: string,
): MediaDecision {
  const volumes = media.map((m) => m.volid);
  const missing = media.filter((m) => !observed.isoVolumes.includes(m.volid));
  if (missing.length === 0) return { status: 'up-to-date', volumes };
  checkImagesStorage(placement, observed.images, 'iso', what);
  const { node, storage } = placement;
  const steps = missing.map((m): MediaStep => {
    const filename = fileOf(m.volid);
    const which = m.media === 'source' ? 'install' : 'drivers';
    const verified = { checksum: m.checksum, 'checksum-algorithm': m.algorithm };
    if (m.localPath !== undefined) {
      return {
        kind: 'upload',
        title: `upload the local ${which} ISO ${m.localPath} (${m.setting}.path) into ${storage.images}`,
        method: 'POST',
        path: `/nodes/${node}/storage/${storage.images}/upload`,
        params: { content: 'iso', filename, ...verified },
        volid: m.volid,
        localPath: m.localPath,
      };
    }
    return {
      kind: 'download',
      title: `download the ${which} ISO (${m.setting}) into ${storage.images}`,
      method: 'POST',
      path: `/nodes/${node}/storage/${storage.images}/download-url`,
      params: { content: 'iso', filename, url: m.url, ...verified },
      volid: m.volid,
    };
  });
  return { status: 'build', volumes, steps };
}

const fileOf = (volid: string) => volid.slice(volid.indexOf(':iso/') + ':iso/'.length);
