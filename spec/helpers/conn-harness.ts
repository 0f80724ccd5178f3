/**
 * Starts a ConnectionManager over a FakeSwitch with a loopback listener on a
 * free port, for connection tests; `stop()` tears everything down.
 */
import { ConnectionManager, type ConnMgrOptions } from '../../lib/conn/index.js';
import { FakeSwitch } from './fake-switch.js';
import { OFP_NO_BUFFER, OFPFC, OFPT, type FlowMod } from '../../lib/openflow/index.js';

export interface Harness {
  sw: FakeSwitch;
  mgr: ConnectionManager;
  /** The ptcp listener's port. */
  port: number;
  stop(): Promise<void>;
}

export async function startHarness(options: Partial<ConnMgrOptions> = {}, controllers: string[] = []): Promise<Harness> {
  const sw = new FakeSwitch();
  const mgr = new ConnectionManager(sw, { failMode: 'secure', ...options });
  const l = await mgr.addListener('ptcp:0:127.0.0.1');
  for (const c of controllers) mgr.addController(c);
  mgr.start();
  return { sw, mgr, port: l.port!, stop: () => mgr.close() };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds or `ms` pass. */
export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** An ADD of an empty-match, instruction-less flow: the smallest state-changing request. */
export const flowMod = (xid: number): FlowMod => ({
  type: OFPT.FLOW_MOD,
  xid,
  cookie: 0n,
  cookie_mask: 0n,
  table_id: 0,
  command: OFPFC.ADD,
  idle_timeout: 0,
  hard_timeout: 0,
  priority: 1,
  buffer_id: OFP_NO_BUFFER,
  out_port: 0,
  out_group: 0,
  flags: 0,
  match: [],
  instructions: [],
});
