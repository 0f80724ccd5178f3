/**
 * Cases of the os-ken (Ryu) OpenFlow Switch Test Tool run in process: the
 * tool's test files (../shared/fixtures/ryu/switch-tests-of13) are read and
 * serialized by os-ken itself (ryu-cases.py: flow/group/meter mods as
 * OpenFlow 1.3 bytes, frames as bytes), the mods go through our decoder
 * into a test switch (spec/datapath/harness.ts), and each step's ingress
 * frame is received on port 1. Verdicts are the tool's (tester.py): the
 * egress frame must leave port 2 byte for byte, the packet-in must carry
 * the expected frame with a reason other than NO_MATCH / INVALID_TTL, and a
 * table-miss step must look the listed tables up without a match.
 *
 * For regression specs of fixes the rig run (scripts/conformance-ryu) found:
 * quick, no namespaces, and the expectations are the tool's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from '../../lib/openflow/decode.js';
import { OFPR } from '../../lib/openflow/constants.js';
import type { OfpMessage } from '../../lib/openflow/types.js';
import { testSwitch } from '../datapath/harness.js';

const here = dirname(fileURLToPath(import.meta.url));
/** spec/conformance in the source tree (this file runs from dist/spec/conformance). */
const srcDir = join(here, '..', '..', '..', 'spec', 'conformance');
export const RYU_FIXTURES = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'ryu', 'switch-tests-of13');
const PYTHON = '/usr/bin/python3';

export interface RyuStep {
  ingress?: string;
  egress?: string;
  packet_in?: string;
  table_miss?: number[];
  throughput?: boolean;
}

export interface RyuCase {
  file: string;
  description: string;
  messages: string[];
  steps: RyuStep[];
}

/** Why the cases cannot be loaded here (no os-ken, no fixtures), or null. */
export function ryuCasesMissing(): string | null {
  if (!existsSync(RYU_FIXTURES)) return `no fixtures at ${RYU_FIXTURES}`;
  const r = spawnSync(PYTHON, ['-c', 'import os_ken.lib.packet'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'os-ken does not import under /usr/bin/python3 (apt-get install python3-os-ken)';
}

/** The cases of test files (paths relative to the fixtures directory). */
export function loadRyuCases(...files: string[]): RyuCase[] {
  const r = spawnSync(PYTHON, [join(srcDir, 'ryu-cases.py'), ...files.map((f) => join(RYU_FIXTURES, f))], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`ryu-cases.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as RyuCase[];
}

/** Runs one case; returns '' when it passes, else what went wrong (as the tool would say it). */
export async function runRyuCase(c: RyuCase): Promise<string> {
  const sw = testSwitch({ nPorts: 3 });
  for (const hex of c.messages) {
    const msg = decodeMessage(Buffer.from(hex, 'hex')) as OfpMessage;
    const replies = await sw.bridge.handle(msg, { connId: 1 });
    const err = replies.find((m) => (m as { type: number }).type === 1);
    if (err !== undefined) return `prerequisite refused: ${JSON.stringify(err, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
  }
  for (const s of c.steps) {
    if (s.throughput === true || s.ingress === undefined) return 'throughput steps are not run in process';
    const tables = [...sw.bridge.pipeline.allTables()];
    const before = new Map(tables.map((t) => [t.id, [t.lookups, t.matched]]));
    sw.packetIns.length = 0;
    const out = sw.send(1, Buffer.from(s.ingress, "hex"));
    // Table statistics reach the tables when megaflow counters are pushed (as before a stats reply).
    sw.dp.revalidator.pushAll();
    if (s.egress !== undefined) {
      const got = out.get(2) ?? [];
      if (!got.includes(s.egress)) return `egress: port 2 sent [${got.join(', ')}], want ${s.egress}`;
    }
    if (s.packet_in !== undefined) {
      const pi = sw.packetIns.find((p) => p.reason !== OFPR.NO_MATCH && p.reason !== OFPR.INVALID_TTL);
      if (pi === undefined) return `packet-in: none (reasons ${sw.packetIns.map((p) => p.reason).join(',')})`;
      if (pi.frame.toString('hex') !== s.packet_in) return `packet-in: got ${pi.frame.toString('hex')}, want ${s.packet_in}`;
    }
    if (s.table_miss !== undefined) {
      let looked = false;
      for (const id of s.table_miss) {
        const t = tables.find((x) => x.id === id)!;
        const [l0, m0] = before.get(id)!;
        if (t.lookups > l0!) {
          looked = true;
          if (t.matched > m0!) return `table-miss: table ${id} matched`;
        }
      }
      if (!looked) return 'table-miss: no lookup in the listed tables';
    }
  }
  return '';
}
