/**
 * Queues as OpenFlow sees them: OFPT_QUEUE_GET_CONFIG_REQUEST (OpenFlow
 * 1.3.5 §7.3.6) and OFPMP_QUEUE statistics (§7.3.5.8). The queues are the
 * ports' devices' (lib/netdev/queues.ts), configured outside OpenFlow.
 *
 * Answers are Open vSwitch's, which the spec leaves room for:
 *  - QUEUE_GET_CONFIG for a port lists its queues (queue 0 included) with
 *    no properties: the spec's OFPQT_MIN_RATE/MAX_RATE are tenths of a
 *    percent of a rate it does not name, our queues are configured in bits
 *    per second, and Open vSwitch, whose queues are too, omits both
 *    ("None of the existing queues have compatible properties");
 *    properties are a list that may be empty (§7.3.6, struct
 *    ofp_packet_queue). OFPP_ANY lists every port's queues; a port that does
 *    not exist is OFPQOFC_BAD_PORT; a port without queues lists none.
 *  - Queue stats: OFPP_ANY and OFPQ_ALL select all; a port that does not
 *    exist is OFPQOFC_BAD_PORT; a queue id the port does not have is
 *    OFPQOFC_BAD_QUEUE, and with OFPP_ANY, one that no port has (a port
 *    without queues answers OFPQ_ALL with nothing, not an error).
 *  - Entries in port order, then queue id, as ports are listed elsewhere.
 *
 * Counters: tx_packets and tx_bytes are the frames the port's device took
 * on that queue, tx_errors those it refused (lib/datapath/queue-lanes.ts);
 * the duration is the port's (its queues come with it).
 */
import { OFPP, OFPQ_ALL } from '../openflow/constants.js';
import { OFPET, OFPQOFC, OfpError } from '../openflow/errors.js';
import type { PacketQueue, QueueStats } from '../openflow/types.js';
import { QCTR, queuesOf } from '../netdev/queues.js';
import { durationOf } from './clock.js';
import type { Port } from './ports.js';

/** What the queue requests need of the switch. */
export interface QueueHost {
  readonly ports: { get(portNo: number): Port | undefined; sorted(): Port[] };
  readonly clock: { now(): number };
}

/** The ports a request names: one (or OFPQOFC_BAD_PORT), or all for OFPP_ANY. */
function portsFor(b: QueueHost, portNo: number): Port[] {
  const no = portNo >>> 0;
  if (no === OFPP.ANY) return b.ports.sorted();
  const p = b.ports.get(no);
  if (p === undefined) throw new OfpError(OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_PORT, `port 0x${no.toString(16)} does not exist`);
  return [p];
}

/** The queues of OFPT_QUEUE_GET_CONFIG_REPLY for `portNo`. */
export function queueConfigs(b: QueueHost, portNo: number): PacketQueue[] {
  const out: PacketQueue[] = [];
  for (const p of portsFor(b, portNo)) {
    const q = queuesOf(p.netdev);
    if (q === null) continue;
    for (const c of q.configs) out.push({ queue_id: c.id, port: p.portNo, properties: [] });
  }
  return out;
}

/** The body of an OFPMP_QUEUE reply. */
export function queueStats(b: QueueHost, portNo: number, queueId: number): QueueStats[] {
  const ports = portsFor(b, portNo);
  const qid = queueId >>> 0;
  const now = b.clock.now();
  const out: QueueStats[] = [];
  let named = false;
  for (const p of ports) {
    const q = queuesOf(p.netdev);
    if (q === null) continue;
    const [duration_sec, duration_nsec] = durationOf(p.created, now);
    q.configs.forEach((c, i) => {
      if (qid !== OFPQ_ALL && c.id !== qid) return;
      named = true;
      const at = i * QCTR.WORDS;
      out.push({
        port_no: p.portNo,
        queue_id: c.id,
        tx_bytes: BigInt(q.counters[at + QCTR.TX_BYTES]!),
        tx_packets: BigInt(q.counters[at + QCTR.TX_PACKETS]!),
        tx_errors: BigInt(q.counters[at + QCTR.TX_ERRORS]!),
        duration_sec,
        duration_nsec,
      });
    });
  }
  if (qid !== OFPQ_ALL && !named) throw new OfpError(OFPET.QUEUE_OP_FAILED, OFPQOFC.BAD_QUEUE, `queue ${qid}`);
  return out;
}
