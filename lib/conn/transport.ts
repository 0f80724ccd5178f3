/**
 * Sockets for targets: TCP, TLS (node:tls) and Unix domain.
 *
 * TLS is mutual, as Open vSwitch's SSL connections are: the switch presents
 * its private key and certificate, and the peer's certificate must chain to
 * the configured CA certificate — in both directions, active and passive.
 * Like Open vSwitch, the peer's name is not checked against its certificate
 * (controllers are usually addressed by IP); the CA is the trust anchor.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { lstatSync, unlinkSync } from 'node:fs';
import type { ActiveTarget, PassiveTarget } from './target.js';

/** PEM contents (not paths) of the switch's TLS identity and trust anchor. */
export interface TlsMaterial {
  privateKey: Buffer | string;
  certificate: Buffer | string;
  caCertificate: Buffer | string;
}

export interface ActiveSocket {
  socket: Socket;
  /** The event that means "connected": 'connect' or, for TLS, 'secureConnect'. */
  readyEvent: 'connect' | 'secureConnect';
}

export function openActive(t: ActiveTarget, tls: TlsMaterial | undefined): ActiveSocket {
  if (t.kind === 'tcp') {
    return { socket: createConnection({ host: t.host, port: t.port }), readyEvent: 'connect' };
  }
  if (!tls) throw new Error(`ssl target ${t.host}:${t.port} needs a private key, certificate and CA certificate`);
  const socket: TLSSocket = tlsConnect({
    host: t.host,
    port: t.port,
    key: tls.privateKey,
    cert: tls.certificate,
    ca: tls.caCertificate,
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  });
  return { socket, readyEvent: 'secureConnect' };
}

/**
 * Starts listening; resolves once bound. `onSocket` gets each accepted
 * connection (for TLS, once its handshake has verified the client).
 */
export function openPassive(
  t: PassiveTarget,
  tls: TlsMaterial | undefined,
  onSocket: (socket: Socket) => void,
  onTlsError: (err: Error) => void,
): Promise<Server> {
  let server: Server;
  if (t.kind === 'pssl') {
    if (!tls) return Promise.reject(new Error(`pssl listener needs a private key, certificate and CA certificate`));
    const s = createTlsServer({
      key: tls.privateKey,
      cert: tls.certificate,
      ca: tls.caCertificate,
      requestCert: true,
      rejectUnauthorized: true,
    });
    s.on('secureConnection', onSocket);
    s.on('tlsClientError', onTlsError);
    server = s;
  } else {
    server = createServer(onSocket);
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve(server);
    };
    if (t.kind === 'punix') {
      removeStaleSocket(t.path);
      server.listen(t.path, done);
    } else {
      server.listen({ port: t.port, host: t.host }, done);
    }
  });
}

/** A Unix socket left by a previous run would make listen() fail; anything else at the path is left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

export function removeSocketFile(path: string): void {
  removeStaleSocket(path);
}
