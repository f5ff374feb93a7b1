import { connect } from 'node:net';
import type { PortProbe } from './reachability';

/** A plain TCP connect: true once the connection is accepted, false on refusal, error or timeout. */
export const tcpProbe: PortProbe = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
