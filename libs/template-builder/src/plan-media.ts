import { InfraError } from '@infra/core';
import type { TemplateBuilderErrorCode } from './error-codes';
import { type ApiStep, checkImagesStorage, type ObservedStorage, type TemplatePlacement } from './plan';

/**
 * The pure planner of an ISO OS's base stage (NixOS, Windows): the base is the install media, present and
 * verified in the images storage's `iso` content. Each medium has a content-addressed volume name
 * (`<os>-<version>-<media>-<checksum prefix>.iso`, from `installMediaVolume` of @infra/validators, which also
 * gives Packer its `iso_file`), so a name present means that pin was downloaded and checked by Proxmox; a
 * missing one is one `download-url` step with the checksum. No VM here: Packer's `proxmox-iso` (the golden
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
  | { status: 'build'; volumes: string[]; steps: Array<Extract<ApiStep, { kind: 'download' }>> };

/** Up to date when every medium's volume is there; otherwise one checksum-verified download per missing one. */
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
  const local = missing.find((m) => m.localPath !== undefined);
  if (local) throw uploadNeeded(local, storage.images);
  const steps = missing.map((m): Extract<ApiStep, { kind: 'download' }> => {
    const filename = fileOf(m.volid);
    return {
      kind: 'download',
      title: `download the ${m.media === 'source' ? 'install' : 'drivers'} ISO (${m.setting}) into ${storage.images}`,
      method: 'POST',
      path: `/nodes/${node}/storage/${storage.images}/download-url`,
      params: {
        content: 'iso',
        filename,
        url: m.url,
        checksum: m.checksum,
        'checksum-algorithm': m.algorithm,
      },
      volid: m.volid,
    };
  });
  return { status: 'build', volumes, steps };
}

const fileOf = (volid: string) => volid.slice(volid.indexOf(':iso/') + ':iso/'.length);

/**
 * A local copy is not sent by the build (Proxmox's upload API is not wired here): the user puts it on the host
 * under its content-addressed name once, and every build after that finds it there.
 */
function uploadNeeded(medium: InstallMedium, storage: string): InfraError {
  const file = fileOf(medium.volid);
  return new InfraError<TemplateBuilderErrorCode>(
    'ISO_UPLOAD_NEEDED',
    `${medium.setting}.path (${medium.localPath}) matches its pinned checksum, but ${medium.volid} is not on the host yet, and build-image does not upload local files`,
    {
      hint: `upload it once: Proxmox web UI → ${storage} → ISO Images → Upload, file ${medium.localPath}, name ${file}, checksum ${medium.algorithm.toUpperCase()} ${medium.checksum} (or copy it to the storage's template/iso/ folder as ${file}); then run the build again`,
      details: { volid: medium.volid, path: medium.localPath },
    },
  );
}
