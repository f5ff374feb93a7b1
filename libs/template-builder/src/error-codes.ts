/**
 * Every code @infra/template-builder throws: the build and its cleanup, the build lock, storage and VMID checks,
 * the recipes' sources (factory, cloud image, ISO media), the golden stage and the generated Packer files.
 * Raise them as `new InfraError<TemplateBuilderErrorCode>(code, ...)`: a misspelt code is then a type error.
 */
export type TemplateBuilderErrorCode =
  | 'BUILD_FAILED'
  | 'BUILD_INTERRUPTED'
  | 'BUILD_LOCK_LOST'
  | 'BUILD_LOCK_TIMEOUT'
  | 'BUILD_LOCK_VMID_TAKEN'
  | 'FACTORY_IMAGE_UNAVAILABLE'
  | 'FACTORY_UNREACHABLE'
  | 'GOLDEN_INPUT_INVALID'
  | 'GOLDEN_ROLE_MISSING'
  | 'GOLDEN_TEMPLATE_MISSING'
  | 'IMAGE_NOT_CONFIGURED'
  | 'IMAGE_NOT_QCOW2'
  | 'ISO_CHECKSUM_MISMATCH'
  | 'ISO_LOCAL_COPY_MISSING'
  | 'PACKER_BUILD_FAILED'
  | 'PACKER_FILES_STALE'
  | 'PACKER_PLUGIN_NOT_PINNED'
  | 'PACKER_TEMPLATE_INVALID'
  | 'STORAGE_IMPORT_DISABLED'
  | 'STORAGE_ISO_DISABLED'
  | 'STORAGE_NOT_FILE_BASED'
  | 'STORAGE_NOT_FOUND'
  | 'STORAGE_NO_DISK_IMAGES'
  | 'VMID_RANGE_EXHAUSTED';
