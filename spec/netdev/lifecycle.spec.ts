/**
 * Ports open and close cleanly: no descriptor or mapping outlives close()
 * or a failed open,
 * a port may be closed from inside its own batch handler, and a port that
 * is only sent on never needs polling.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SystemNetdev } from '../../lib/netdev/system.js';
import { TapNetdev } from '../../lib/netdev/tap.js';
import { LinkMonitor } from '../../lib/netdev/link-monitor.js';
import { blastFrom, ETH_TEST, etherType, makeHost, missingPrerequisite, openFds, testFrame, uniq, waitFor } from './helpers.js';

/** Mappings of sockets: the TPACKET_V3 rings (other mappings come and go with the heap). */
const socketMappings = (): number =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.includes('socket:[')).length;

const why = missingPrerequisite();
if (why) {
  t.plan(0, `netdev lifecycle tests skipped: ${why}`);
} else {
  t.test('no descriptor or mapping leaks over open/close cycles', async (t) => {
    const host = makeHost(t);
    // Warm up: the first port loads the addon and allocates per-thread scratch.
    new SystemNetdev(host.port).close();
    const fds = openFds();
    const maps = socketMappings();
    const shared = new LinkMonitor();
    for (let i = 0; i < 20; i++) {
      for (const mode of ['mmsg', 'tpacket_v3'] as const) {
        const nd = new SystemNetdev(host.port, { mode, linkMonitor: i % 2 ? shared : undefined });
        nd.onReceive(() => {});
        if (i === 0 && mode === 'tpacket_v3') t.equal(socketMappings(), maps + 1, 'a ring is mapped while the port is open');
        nd.close();
        nd.close(); // twice is harmless
      }
      const tap = new TapNetdev(`ofsl${uniq()}`);
      tap.onReceive(() => {});
      tap.close();
      t.throws(() => new SystemNetdev(`ofsm${uniq()}`), { code: 'ENODEV' }, 'a failed open');
    }
    shared.close();
    t.equal(openFds(), fds, 'descriptors back to where they were');
    t.equal(socketMappings(), maps, 'TPACKET_V3 rings unmapped');
  });

  for (const mode of ['mmsg', 'tpacket_v3'] as const) {
    t.test(`${mode}: closing a port from inside its batch handler is safe`, async (t) => {
      const host = makeHost(t);
      const nd = new SystemNetdev(host.port, { mode, ring: { slots: 8 } });
      let batches = 0;
      nd.onReceive((ring) => {
        batches++;
        for (let i = 0; i < ring.count; i++) t.equal(etherType(ring.frame(i)), ETH_TEST);
        nd.close();
      });
      await blastFrom(host.ns, host.dev, testFrame('02:00:00:00:00:01', '02:00:00:00:00:02', 1), 200);
      await waitFor(() => batches > 0, 3000, 'a batch');
      await new Promise((r) => setTimeout(r, 100));
      t.equal(batches, 1, 'no batch after close');
      t.ok(nd.isClosed);
    });
  }
}
