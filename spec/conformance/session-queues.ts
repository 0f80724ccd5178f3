/**
 * The queues a recorded session's switch had, for the replay to give
 * ofswitchd the same (replay.ts). The recorder (scripts/record-session)
 * writes them in the fixture's topology as one line per port, e.g.
 * "port 1: linux-htb max-rate 10000000; queue 1 min-rate 1000000 max-rate
 * 2000000; queue 2 min-rate 3000000": the QoS it gave the port through
 * OVSDB, then each queue's other-config. Open vSwitch adds queue 0 itself,
 * and so does NetdevQueues. The QoS's own max-rate caps the port as a whole,
 * which only a shaping device would apply; the replay's ports are in memory.
 */
import type { QueueConfig } from '../../lib/netdev/queues.js';

/** Port number → its queues, from a fixture's `topology.queues`. */
export function parseSessionQueues(text: string | undefined): Map<number, QueueConfig[]> {
  const out = new Map<number, QueueConfig[]>();
  if (text === undefined) return out;
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const m = /^port (\d+): linux-htb(?: max-rate \d+)?((?:; queue \d+(?: (?:min|max)-rate \d+)*)*)$/.exec(line.trim());
    if (m === null) throw new Error(`cannot read the recorded queues ${JSON.stringify(line)}`);
    const queues: QueueConfig[] = [];
    for (const part of m[2]!.split(';').map((x) => x.trim()).filter((x) => x !== '')) {
      const words = part.split(' ');
      const q: QueueConfig = { id: Number(words[1]) };
      for (let i = 2; i + 1 < words.length; i += 2) {
        if (words[i] === 'min-rate') q.minRate = Number(words[i + 1]);
        else q.maxRate = Number(words[i + 1]);
      }
      queues.push(q);
    }
    out.set(Number(m[1]), queues);
  }
  return out;
}
