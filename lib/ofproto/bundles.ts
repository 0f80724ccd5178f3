/**
 * Bundles: many flow_mods applied as one, all or nothing. OpenFlow 1.4
 * made them standard (§6.8, §7.3.9); for OpenFlow 1.3 the ONF extension
 * EXT-230 carries the same messages inside OFPT_EXPERIMENTER (experimenter
 * 0x4f4e4600, exp_type 2300 BUNDLE_CONTROL and 2301 BUNDLE_ADD_MESSAGE),
 * which is what Open vSwitch implements and `ovs-ofctl --bundle` sends.
 *
 * Body of both messages (struct ofp14_bundle_ctrl_msg, 8 bytes):
 *     bundle_id u32 | type u16 (OFPBCT_*, control only) | flags u16 (OFPBF_*)
 * followed, in BUNDLE_ADD_MESSAGE, by the whole message being added (its
 * own ofp_header, whose xid must be the outer one's), then optional
 * properties, which we ignore.
 *
 * Bundles belong to the connection that opened them (RequestOrigin.connId)
 * and go when it closes (`connectionClosed`). A BUNDLE_ADD_MESSAGE to an
 * unknown id opens the bundle implicitly, as §7.3.9 says. Messages are
 * decoded, their type and match checked when added; an ADD whose
 * instructions name no group, meter or next table (whose existence may
 * change before the commit) is checked and made into its Rule then too,
 * as Open vSwitch does (flow-mod.ts prepareAdd). The rest is checked at
 * COMMIT, against the pipeline as the bundle's earlier messages leave it:
 * the commit plans each flow_mod against the open transaction (whose
 * classifier version already holds the earlier ones), applies it there, and
 * either commits the whole transaction — one version for the lot — or, at
 * the first refusal, undoes it and answers with that message's error. The
 * bundle is gone after a commit, successful or not.
 *
 * Only FLOW_MODs can be bundled (what ovs-ofctl bundles); other messages
 * are OFPBFC_MSG_UNSUP. OpenFlow 1.3 has no bundle error type: the errors
 * are ONF experimenter errors (type 0xffff, exp_type 2300 + the OF1.4
 * ofp_bundle_failed_code), which OfpError cannot carry, so they come back
 * as OFPT_ERROR replies.
 */
import { OFP_VERSION, OFPT } from '../openflow/constants.js';
import { decodeFlowModAt, decodeMessage } from '../openflow/decode.js';
import { DecodeCache } from '../openflow/decode-cache.js';
import { encodeMessage } from '../openflow/encode.js';
import { lastCanonicalMatch } from '../openflow/oxm.js';
import { errorReply, OFP_ERROR_DATA_LEN } from '../openflow/error-reply.js';
import { OFPET, OfpError } from '../openflow/errors.js';
import type { ErrorMsg, Experimenter, FlowMod, Instruction, OfpMessage } from '../openflow/types.js';
import type { Bridge } from './bridge.js';
import type { Pipeline, Txn } from './pipeline.js';
import { BundleMatches } from './bundle-matches.js';
import { BundleMessages } from './bundle-messages.js';
import { addPrepared, planFlowMod, prepareAdd, type FlowModEnv } from './flow-mod.js';
import { compileMatch } from './match.js';
import { Rule } from './rule.js';
import type { TableCaps } from './table-caps.js';
import type { RuleClassifier } from './table.js';

export const ONF_EXPERIMENTER = 0x4f4e4600;
export const ONFT_BUNDLE_CONTROL = 2300;
export const ONFT_BUNDLE_ADD_MESSAGE = 2301;

/** enum ofp14_bundle_ctrl_type */
export const enum OFPBCT {
  OPEN_REQUEST = 0,
  OPEN_REPLY = 1,
  CLOSE_REQUEST = 2,
  CLOSE_REPLY = 3,
  COMMIT_REQUEST = 4,
  COMMIT_REPLY = 5,
  DISCARD_REQUEST = 6,
  DISCARD_REPLY = 7,
}

/** enum ofp14_bundle_flags */
export const enum OFPBF {
  ATOMIC = 1 << 0,
  ORDERED = 1 << 1,
}

/** enum ofp14_bundle_failed_code; the ONF 1.3 experimenter error code is 2300 + this. */
export const enum OFPBFC {
  UNKNOWN = 0,
  EPERM = 1,
  BAD_ID = 2,
  BUNDLE_EXIST = 3,
  BUNDLE_CLOSED = 4,
  OUT_OF_BUNDLES = 5,
  BAD_TYPE = 6,
  BAD_FLAGS = 7,
  MSG_BAD_LEN = 8,
  MSG_BAD_XID = 9,
  MSG_UNSUP = 10,
  MSG_CONFLICT = 11,
  MSG_TOO_MANY = 12,
  MSG_FAILED = 13,
  TIMEOUT = 14,
  BUNDLE_IN_PROGRESS = 15,
}

/** struct ofp14_bundle_ctrl_msg, 8 bytes. */
const CTRL_LEN = 8;

interface Bundle {
  readonly id: number;
  readonly flags: number;
  closed: boolean;
  /** The flow_mods' fixed parts, as bytes, in order (bundle-messages.ts). */
  readonly msgs: BundleMessages;
  /**
   * Per message, what the commit needs besides its bytes, in one array
   * (each array per message was a store for the collector to track while
   * the bundle lived, a few hundred thousand of them in a large bundle):
   * - a Rule: an ADD prepared when it was added (flow-mod.ts prepareAdd),
   *   until the commit takes it; its key words are the bundle's to give
   *   back if it never reaches a table (releasePrepared);
   * - a FlowMod: any other message, planned in full at commit, with its
   *   match compiled when it was added: the next one in `matches`;
   * - undefined: a prepared rule the commit took or gave back.
   */
  readonly entries: (Rule | FlowMod | undefined)[];
  /** The compiled matches of the messages kept as FlowMods, in order (bundle-matches.ts). */
  readonly matches: BundleMatches;
  /**
   * Per table id, the capabilities its prepared rules were checked
   * against: a TABLE_FEATURES request since then (new caps) means checking
   * them again at commit.
   */
  readonly caps: (TableCaps | undefined)[];
}

function newBundle(id: number, flags: number): Bundle {
  return { id, flags, closed: false, msgs: new BundleMessages(), entries: [], matches: new BundleMatches(), caps: [] };
}

/** Gives back the key words of the prepared rules that no commit took. */
function releasePrepared(bundle: Bundle, env: FlowModEnv): void {
  const entries = bundle.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e instanceof Rule) {
      env.releaseKey(e.value);
      entries[i] = undefined;
    }
  }
}

export interface BundleLimits {
  /** Open bundles per connection. */
  maxBundles: number;
  /** Messages per bundle. */
  maxMessages: number;
}

export class Bundles {
  private readonly byConn = new Map<number, Map<number, Bundle>>();
  /** Bundled flow_mods share decoded instructions and match fields, as the connections' do (decode-cache.ts). */
  private readonly decodeCache = new DecodeCache();
  /**
   * Where `add` decodes a flow_mod: a FlowMod object per message was a
   * tenth of what a bundled ADD allocated (three of its numbers, above
   * 2^31, each a heap number besides). Its 32-bit fields start as such
   * numbers, so that writing them never changes the object's layout.
   */
  private readonly scratch: FlowMod = {
    type: OFPT.FLOW_MOD,
    version: OFP_VERSION,
    xid: 0xffffffff,
    cookie: 0n,
    cookie_mask: 0n,
    table_id: 0,
    command: 0,
    idle_timeout: 0,
    hard_timeout: 0,
    priority: 0,
    buffer_id: 0xffffffff,
    out_port: 0xffffffff,
    out_group: 0xffffffff,
    flags: 0,
    match: [],
    instructions: [],
  };

  constructor(private readonly limits: BundleLimits = { maxBundles: 64, maxMessages: 1 << 20 }) {}

  /** Whether `msg` is a bundle message (the caller routes it here). */
  static claims(msg: Experimenter): boolean {
    return msg.experimenter >>> 0 === ONF_EXPERIMENTER && (msg.exp_type === ONFT_BUNDLE_CONTROL || msg.exp_type === ONFT_BUNDLE_ADD_MESSAGE);
  }

  connectionClosed(connId: number, env: FlowModEnv): void {
    const mine = this.byConn.get(connId);
    if (mine === undefined) return;
    for (const bundle of mine.values()) releasePrepared(bundle, env);
    this.byConn.delete(connId);
  }

  handle(b: Bridge, msg: Experimenter, connId: number): OfpMessage[] | Promise<OfpMessage[]> {
    const d = msg.data;
    if (d.length < CTRL_LEN) return [bundleError(msg, OFPBFC.MSG_BAD_LEN)];
    const id = d.readUInt32BE(0);
    const type = d.readUInt16BE(4);
    const flags = d.readUInt16BE(6);
    let mine = this.byConn.get(connId);
    if (mine === undefined) this.byConn.set(connId, (mine = new Map()));
    const bundle = mine.get(id);
    if ((flags & ~(OFPBF.ATOMIC | OFPBF.ORDERED)) !== 0) return [bundleError(msg, OFPBFC.BAD_FLAGS)];

    if (msg.exp_type === ONFT_BUNDLE_ADD_MESSAGE) return this.add(b, msg, mine, bundle, id, flags);

    const reply = (t: OFPBCT): OfpMessage[] => [controlReply(msg, id, t, flags)];
    switch (type) {
      case OFPBCT.OPEN_REQUEST:
        if (bundle !== undefined) return [bundleError(msg, OFPBFC.BUNDLE_EXIST)];
        if (mine.size >= this.limits.maxBundles) return [bundleError(msg, OFPBFC.OUT_OF_BUNDLES)];
        mine.set(id, newBundle(id, flags));
        return reply(OFPBCT.OPEN_REPLY);
      case OFPBCT.CLOSE_REQUEST:
        if (bundle === undefined) return [bundleError(msg, OFPBFC.BAD_ID)];
        if (bundle.closed) return [bundleError(msg, OFPBFC.BUNDLE_CLOSED)];
        if (bundle.flags !== flags) return [bundleError(msg, OFPBFC.BAD_FLAGS)];
        bundle.closed = true;
        return reply(OFPBCT.CLOSE_REPLY);
      case OFPBCT.DISCARD_REQUEST:
        if (bundle === undefined) return [bundleError(msg, OFPBFC.BAD_ID)];
        mine.delete(id);
        releasePrepared(bundle, b.flowEnv);
        return reply(OFPBCT.DISCARD_REPLY);
      case OFPBCT.COMMIT_REQUEST: {
        if (bundle === undefined) return [bundleError(msg, OFPBFC.BAD_ID)];
        if (bundle.flags !== flags) return [bundleError(msg, OFPBFC.BAD_FLAGS)];
        mine.delete(id);
        let done: OfpMessage[] | Promise<OfpMessage[]>;
        try {
          done = commit(b, bundle);
        } catch (e) {
          // The prepared rules the failed commit did not take.
          releasePrepared(bundle, b.flowEnv);
          if (!(e instanceof BundledError)) throw e;
          // As Open vSwitch answers: the failing message's own error, then OFPBFC_MSG_FAILED.
          return [errorReply(e.error, Buffer.from(encodeMessage(e.msg))), bundleError(msg, OFPBFC.MSG_FAILED)];
        }
        return done instanceof Promise ? done.then(() => reply(OFPBCT.COMMIT_REPLY)) : reply(OFPBCT.COMMIT_REPLY);
      }
      default:
        return [bundleError(msg, OFPBFC.BAD_TYPE)];
    }
  }

  private add(b: Bridge, msg: Experimenter, mine: Map<number, Bundle>, bundle: Bundle | undefined, id: number, flags: number): OfpMessage[] {
    const d = msg.data;
    if (d.length < CTRL_LEN + 8) return [bundleError(msg, OFPBFC.MSG_BAD_LEN)];
    const len = d.readUInt16BE(CTRL_LEN + 2);
    if (len < 8 || CTRL_LEN + len > d.length) return [bundleError(msg, OFPBFC.MSG_BAD_LEN)];
    if (d.readUInt32BE(CTRL_LEN + 4) !== msg.xid >>> 0) return [bundleError(msg, OFPBFC.MSG_BAD_XID)];
    if (bundle === undefined) {
      // §7.3.9: adding to a bundle that does not exist opens it.
      if (mine.size >= this.limits.maxBundles) return [bundleError(msg, OFPBFC.OUT_OF_BUNDLES)];
      mine.set(id, (bundle = newBundle(id, flags)));
    }
    if (bundle.closed) return [bundleError(msg, OFPBFC.BUNDLE_CLOSED)];
    if (bundle.flags !== flags) return [bundleError(msg, OFPBFC.BAD_FLAGS)];
    if (bundle.entries.length >= this.limits.maxMessages) return [bundleError(msg, OFPBFC.MSG_TOO_MANY)];
    // The inner message's own errors (bad bytes, a bad match) are raised now, as Open vSwitch does.
    // A flow_mod, by far the usual message, is decoded where it sits, into
    // `scratch` (copied if kept: a prepared ADD keeps only its match and
    // instructions, in its Rule).
    const inner =
      d[CTRL_LEN] === OFP_VERSION && d[CTRL_LEN + 1] === OFPT.FLOW_MOD
        ? decodeFlowModAt(d, CTRL_LEN, CTRL_LEN + len, this.decodeCache, this.scratch)
        : decodeMessage(d.subarray(CTRL_LEN, CTRL_LEN + len), this.decodeCache);
    if (inner.type !== OFPT.FLOW_MOD || inner.buffer_id >>> 0 !== 0xffffffff) return [bundleError(msg, OFPBFC.MSG_UNSUP)];
    const env = b.flowEnv;
    const m = compileMatch(inner.match, env.scratch);
    bundle.msgs.push(d, CTRL_LEN);
    // What does not depend on the tables' contents is done now, while
    // ovs-ofctl is still sending, rather than in the commit; only against
    // the capabilities that the bundle's earlier prepared rules of the
    // table were checked against (a TABLE_FEATURES request in between
    // leaves this one to the commit).
    const table = b.pipeline.table(inner.table_id);
    const caps = bundle.caps;
    const prepared =
      table !== undefined && (caps[table.id] === undefined || caps[table.id] === table.caps)
        ? prepareAdd(b.pipeline, inner, m, env, inner === this.scratch ? wireOf(inner, d) : undefined)
        : null;
    if (prepared !== null) {
      caps[prepared.tableId] = table!.caps;
      bundle.entries.push(prepared);
    } else {
      bundle.entries.push(inner === this.scratch ? { ...inner } : inner);
      bundle.matches.push(m, env.internMask);
    }
    return [];
  }
}

/** struct ofp_flow_mod up to its match, which starts there. */
const OFP_FLOW_MOD_MATCH_AT = 48;

/**
 * The match of the flow_mod just decoded from `d` (at CTRL_LEN), as
 * Rule.matchWire keeps it, straight from its bytes when they are what
 * encodeMatch would write (oxm.ts lastCanonicalMatch): encoding 100,000
 * matches again cost about as much as keeping them decoded did.
 */
function wireOf(fm: FlowMod, d: Buffer): string | undefined {
  if (lastCanonicalMatch() !== fm.match) return undefined;
  const at = CTRL_LEN + OFP_FLOW_MOD_MATCH_AT;
  const length = (d[at + 2]! << 8) | d[at + 3]!;
  return d.toString('latin1', at, at + ((length + 7) & ~7));
}

/** A bundled message that was refused at commit, and why. */
class BundledError extends Error {
  constructor(
    readonly msg: FlowMod,
    readonly error: OfpError,
  ) {
    super(error.message);
  }
}

/** Applies a bundle's flow_mods in one transaction, or none of them. */
function commit(b: Bridge, bundle: Bundle): OfpMessage[] | Promise<OfpMessage[]> {
  return b.applyChange((txn) => {
    const reserved = reserveRoom(b.pipeline, bundle.entries);
    try {
      applyAll(b, bundle, txn);
    } finally {
      // Hints for subtables that no insert created (a message failed first) must not outlive the commit.
      for (const [cls, m] of reserved) cls.reserve!(m, 0);
    }
  });
}

/** The body of `commit`: each message in turn, applied to `txn`. */
function applyAll(b: Bridge, bundle: Bundle, txn: Txn): void {
  const env = b.flowEnv;
  const p = b.pipeline;
  const { entries, msgs, caps } = bundle;
  // The next of `matches` (one per message kept as a FlowMod, in order).
  let k = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    try {
      if (e instanceof Rule) {
        // Prepared against these capabilities; a TABLE_FEATURES request since then means doing it all again.
        if (p.table(e.tableId)?.caps === caps[e.tableId]) {
          addPrepared(p, e, env, txn);
          // Taken: its key words are the transaction's now (an abort gives them back).
          entries[i] = undefined;
        } else {
          env.releaseKey(e.value);
          entries[i] = undefined;
          planFlowMod(p, msgs.flowMod(i, e.match, e.instructions as Instruction[]), env, txn).apply(txn);
        }
      } else {
        planFlowMod(p, e, env, txn, bundle.matches.load(k++, env.scratch)).apply(txn);
      }
    } catch (err) {
      if (!(err instanceof OfpError)) throw err;
      throw new BundledError(e instanceof Rule ? msgs.flowMod(i, e.match, e.instructions as Instruction[]) : e, err);
    }
  }
}

/**
 * Tells each table's classifier how many prepared rules of each mask the
 * commit is about to insert, so that it makes room once (RuleClassifier
 * reserve). Counted by runs: a bulk add sends one table and one shape of
 * match after another, and prepared rules share interned masks.
 */
function reserveRoom(p: Pipeline, entries: readonly (Rule | FlowMod | undefined)[]): [RuleClassifier<Rule>, Uint32Array][] {
  const counts = new Map<number, Map<Uint32Array, number>>();
  let tableId = -1;
  let mask: Uint32Array | null = null;
  let run = 0;
  const flush = (): void => {
    if (run === 0) return;
    let byMask = counts.get(tableId);
    if (byMask === undefined) counts.set(tableId, (byMask = new Map()));
    byMask.set(mask!, (byMask.get(mask!) ?? 0) + run);
  };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!(e instanceof Rule)) continue;
    if (e.tableId !== tableId || e.mask !== mask) {
      flush();
      tableId = e.tableId;
      mask = e.mask;
      run = 0;
    }
    run++;
  }
  flush();
  const reserved: [RuleClassifier<Rule>, Uint32Array][] = [];
  for (const [id, byMask] of counts) {
    const cls = p.table(id)?.cls;
    if (cls?.reserve === undefined) continue;
    for (const [m, n] of byMask) {
      cls.reserve(m, n);
      reserved.push([cls, m]);
    }
  }
  return reserved;
}

function controlReply(req: Experimenter, id: number, type: OFPBCT, flags: number): Experimenter {
  const data = Buffer.alloc(CTRL_LEN);
  data.writeUInt32BE(id, 0);
  data.writeUInt16BE(type, 4);
  data.writeUInt16BE(flags, 6);
  return { type: OFPT.EXPERIMENTER, xid: req.xid, experimenter: ONF_EXPERIMENTER, exp_type: ONFT_BUNDLE_CONTROL, data };
}

/** The ONF experimenter error for a bundle failure, carrying the request's first bytes. */
function bundleError(req: Experimenter, code: OFPBFC): ErrorMsg {
  const bytes = encodeMessage(req);
  return {
    type: OFPT.ERROR,
    xid: req.xid,
    err_type: OFPET.EXPERIMENTER,
    exp_type: 2300 + code,
    experimenter: ONF_EXPERIMENTER,
    data: Buffer.from(bytes.subarray(0, OFP_ERROR_DATA_LEN)),
  };
}
