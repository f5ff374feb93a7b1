import { ok, type Route } from '../core';
import { str } from '../http/params';

/**
 * `GET /nodes/{node}/network` (PVE::API2::Network index): the node's interfaces. The simulator models only
 * its bridges (what VM NICs attach to), as PVE lists a configured, active Linux bridge; `type=bridge` /
 * `any_bridge` / `any_local_bridge` filter to those, any other type yields none.
 */
export const networkRoutes: Route[] = [
  {
    method: 'GET',
    template: '/nodes/{node}/network',
    handler(ctx) {
      const node = ctx.state.nodes[str(ctx.params, 'node')!]!;
      const type = str(ctx.params, 'type');
      const bridgesWanted = type === undefined || ['bridge', 'any_bridge', 'any_local_bridge'].includes(type);
      const bridges = bridgesWanted ? [...node.bridges].sort() : [];
      return ok(
        bridges.map((iface) => ({
          iface,
          type: 'bridge',
          active: 1,
          autostart: 1,
          method: 'manual',
          families: ['inet'],
          bridge_ports: '',
          priority: 0,
        })),
      );
    },
  },
];
