import { delimiter } from 'node:path';
import { kubeconformSchemaLocation } from './kubernetes-schemas';
import { type CacheLayout, cacheLayout } from './paths';

/**
 * The environment every tool of the toolchain expects, for other libs to pass to execa/zx/spawn:
 * shims first on PATH, the tofu CLI config with the provider mirrors, the preinstalled packer plugins,
 * podman's containers.conf, the kubeconform-ready Kubernetes schemas (INFRA_KUBERNETES_SCHEMAS, and the
 * matching -schema-location template in INFRA_KUBECONFORM_SCHEMA_LOCATION), and no update checks or
 * telemetry calls (these machines reach no such endpoints, and CI must not wait).
 */
export function toolchainEnv(
  options: { layout?: CacheLayout; basePath?: string } = {},
): Record<string, string> {
  const layout = options.layout ?? cacheLayout();
  const basePath = options.basePath ?? process.env.PATH ?? '';
  const rest = basePath.split(delimiter).filter((dir) => dir !== '' && dir !== layout.binDir);
  return {
    PATH: [layout.binDir, ...rest].join(delimiter),
    TF_CLI_CONFIG_FILE: layout.tofuCliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    PACKER_PLUGIN_PATH: layout.packerPluginDir,
    CONTAINERS_CONF: layout.containersConf,
    INFRA_KUBERNETES_SCHEMAS: layout.kubernetesSchemas,
    INFRA_KUBECONFORM_SCHEMA_LOCATION: kubeconformSchemaLocation(layout.kubernetesSchemas),
    SOPS_DISABLE_VERSION_CHECK: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
    ANSIBLE_LINT_SKIP_SCHEMA_UPDATE: '1',
    CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true',
  };
}

/** `export K='V'` lines for `eval "$(./infra toolchain env --shell)"`. */
export function renderShellExports(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}
