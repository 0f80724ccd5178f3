/**
 * TLS both ways with a throwaway PKI made by openssl: the switch connects to
 * an ssl: controller and accepts on a pssl: listener; each side must present
 * a certificate signed by the configured CA, and one signed by another CA is
 * refused in both directions.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import { ConnectionManager, type TlsMaterial } from '../../lib/conn/index.js';
import { OFPT } from '../../lib/openflow/index.js';
import { FakeSwitch } from '../helpers/fake-switch.js';
import { OfClient } from '../helpers/of-client.js';
import { makePki, missing, ovsEnv, run } from '../helpers/peers.js';
import { sleep, waitFor } from '../helpers/conn-harness.js';

const skip = missing('openssl');

t.test('pssl: a client with a CA-signed certificate is served, a rogue one is refused', { skip }, async (t) => {
  const pki = makePki();
  const tls: TlsMaterial = {
    privateKey: readFileSync(pki.switchKey),
    certificate: readFileSync(pki.switchCert),
    caCertificate: readFileSync(pki.caCert),
  };
  const mgr = new ConnectionManager(new FakeSwitch(), { failMode: 'secure', tls });
  t.teardown(() => mgr.close());
  const l = await mgr.addListener('pssl:0:127.0.0.1');
  mgr.start();
  const dial = async (key: string, cert: string): Promise<TLSSocket> => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port: l.port!,
      key: readFileSync(key),
      cert: readFileSync(cert),
      ca: readFileSync(pki.caCert),
      checkServerIdentity: () => undefined,
    });
    s.on('error', () => {});
    await once(s, 'secureConnect');
    return s;
  };
  const good = new OfClient(await dial(pki.ctlKey, pki.ctlCert));
  t.teardown(() => good.close());
  await good.expect(OFPT.HELLO);
  good.sendHello();
  good.send({ type: OFPT.FEATURES_REQUEST, xid: 2 });
  t.equal((await good.expect(OFPT.FEATURES_REPLY, 2)).datapath_id, 0x1234n);
  const rogue = tlsConnect({
    host: '127.0.0.1',
    port: l.port!,
    key: readFileSync(pki.rogueKey),
    cert: readFileSync(pki.rogueCert),
    ca: readFileSync(pki.caCert),
    checkServerIdentity: () => undefined,
  });
  const rogueClient = new OfClient(rogue);
  await rogueClient.waitClosed(3000);
  t.notOk(rogueClient.received.length, 'the rogue client got no OpenFlow at all');
  t.equal(mgr.status().connections.length, 1);

  if (!missing('ovs-ofctl')) {
    const r = await run(
      'ovs-ofctl',
      ['-O', 'OpenFlow13', '--private-key', pki.ctlKey, '--certificate', pki.ctlCert, '--ca-cert', pki.caCert, 'show', `ssl:127.0.0.1:${l.port}`],
      { env: ovsEnv() },
    );
    t.equal(r.code, 0, `ovs-ofctl over ssl: ${r.stderr}`);
    t.match(r.stdout, /dpid:0000000000001234/);
  }
});

t.test('ssl: the switch verifies the controller and presents its own certificate', { skip }, async (t) => {
  const pki = makePki();
  const tls: TlsMaterial = {
    privateKey: readFileSync(pki.switchKey),
    certificate: readFileSync(pki.switchCert),
    caCertificate: readFileSync(pki.caCert),
  };
  const serve = async (key: string, cert: string) => {
    const peers: TLSSocket[] = [];
    const server = tlsServer({ key: readFileSync(key), cert: readFileSync(cert), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true });
    server.on('secureConnection', (s) => peers.push(s));
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, peers, port: (server.address() as { port: number }).port };
  };
  const honest = await serve(pki.ctlKey, pki.ctlCert);
  const rogue = await serve(pki.rogueKey, pki.rogueCert);
  t.teardown(() => {
    honest.server.close();
    rogue.server.close();
  });
  const mgr = new ConnectionManager(new FakeSwitch(), { failMode: 'secure', tls, minBackoffMs: 100, maxBackoffMs: 200 });
  t.teardown(() => mgr.close());
  mgr.addController(`ssl:127.0.0.1:${honest.port}`);
  mgr.addController(`ssl:127.0.0.1:${rogue.port}`);
  mgr.start();
  await waitFor(() => honest.peers.length === 1, 3000, 'the honest controller');
  const sock = honest.peers[0]!;
  t.equal(sock.getPeerCertificate().subject.CN, 'switch', 'the switch presented its certificate');
  const c = new OfClient(sock);
  await c.expect(OFPT.HELLO);
  c.sendHello();
  c.send({ type: OFPT.ECHO_REQUEST, xid: 3, data: Buffer.from('x') });
  await c.expect(OFPT.ECHO_REPLY, 3);
  await sleep(500);
  const st = mgr.status().controllers;
  t.equal(st[0]!.state, 'ACTIVE');
  t.not(st[1]!.state, 'ACTIVE', 'the rogue controller is never trusted');
  t.ok(st[1]!.attempts >= 2, 'and retried with backoff');
  t.match(String(st[1]!.lastError), /certificate|self.signed|verify/i);
  t.equal(rogue.peers.length, 0);
});

t.test('an ssl target without TLS material is refused up front', async (t) => {
  const mgr = new ConnectionManager(new FakeSwitch(), { failMode: 'secure' });
  t.throws(() => mgr.addController('ssl:127.0.0.1:6653'), /private key, certificate and CA certificate/);
  await t.rejects(mgr.addListener('pssl:0'), /private key, certificate and CA certificate/);
  await mgr.close();
});
