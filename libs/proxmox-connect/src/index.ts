export { type ConnectOptions, connectProxmox, type ProxmoxConnection } from './connect';
export type { EmbeddedHooks } from './embedded';
export { MUTATING, simStateDir } from './environment';
export type { ConnectErrorCode } from './error-codes';
export { embeddedHost, type HostAdapter, realHost } from './host-adapter';
export { SIM_FAULTS_ENV } from './sim-faults';
export { toolTrust } from './tool-trust';
