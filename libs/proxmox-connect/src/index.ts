export { type ConnectOptions, connectProxmox, type ProxmoxConnection } from './connect';
export { type EmbeddedEndpoint, type EmbeddedHooks, openEmbeddedSimulator, tokenAccounts } from './embedded';
export { isEmbedded, MUTATING, type ProxmoxEnvironment, simStateDir } from './environment';
export type { ConnectErrorCode } from './error-codes';
export { embeddedHost, type HostAdapter, realHost } from './host-adapter';
export { parseSimFaults, SIM_FAULTS_ENV } from './sim-faults';
export { presentedCertificate, type TlsSettings, type ToolTrust, toolTrust } from './tool-trust';
