import { dieError, PveApiError } from '../errors';
import type { SimState } from '../state/schema';

/**
 * pveproxy forwards `/nodes/{node}/…` to that node. A name that is not a cluster node fails the host lookup
 * (500); an FQDN of a node (`pve.lan`) resolves but its certificate does not match the node name, which users
 * see as 596 (a common mistake: the node *name* is required); an offline node is unreachable (595).
 */
export function assertNodeReachable(state: SimState, node: string): void {
  const known = state.nodes[node];
  if (known) {
    if (!known.online)
      throw new PveApiError(595, 'Errors during connection establishment, proxy handshake: No route to host');
    return;
  }
  const shortName = node.split('.')[0]!;
  if (node.includes('.') && state.nodes[shortName]) {
    throw new PveApiError(
      596,
      'Errors during TLS negotiation, request sending and header processing: tls_process_server_certificate: certificate verify failed',
    );
  }
  throw dieError(
    `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
  );
}
