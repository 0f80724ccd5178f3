/**
 * OFPT_FLOW_MOD semantics (OpenFlow 1.3.5 §6.4 and §7.3.4.1), in two steps:
 * `planFlowMod` runs every check and decides every change against the
 * committed pipeline, throwing the spec's error with nothing changed;
 * the plan it returns applies those changes to a Txn and cannot fail.
 *
 * The five commands, as the spec words them and Open vSwitch implements
 * them for OpenFlow 1.3 (ofproto.c add_flow_start, modify_flows_start__,
 * delete_flows_start__):
 * - ADD inserts the entry. With OFPFF_CHECK_OVERLAP, an entry of the same
 *   priority that some packet could match as well refuses it
 *   (OFPFMFC_OVERLAP). An entry with identical match and priority is
 *   replaced: the new one starts a new duration, takes the new cookie,
 *   timeouts and flags, and keeps the old counters unless
 *   OFPFF_RESET_COUNTS; no FLOW_REMOVED is sent for it. A table at its
 *   max_entries refuses a new entry with OFPFMFC_TABLE_FULL (we do not
 *   evict).
 * - MODIFY / MODIFY_STRICT replace the instructions of the matching
 *   entries (loose: at least as specific as the match, any priority;
 *   strict: identical match and priority), filtered by cookie/cookie_mask.
 *   Cookie, timeouts, flags, counters and duration stay, counters reset
 *   with OFPFF_RESET_COUNTS. A modify that matches nothing does nothing
 *   (OpenFlow 1.0's "modify adds" is gone since 1.1).
 * - DELETE / DELETE_STRICT remove the matching entries, filtered by cookie,
 *   out_port and out_group, from one table or all (OFPTT_ALL); entries
 *   with OFPFF_SEND_FLOW_REM produce FLOW_REMOVED with OFPRR_DELETE.
 * out_port and out_group filter only deletes (§7.3.4.1); cookie_mask is
 * ignored by ADD.
 *
 * Request-level errors: an unknown command is OFPFMFC_BAD_COMMAND; flags
 * beyond the five defined ones OFPFMFC_BAD_FLAGS; a table that does not
 * exist, or OFPTT_ALL for anything but a delete, OFPFMFC_BAD_TABLE_ID (the
 * flow_mod_failed code, "table does not exist"; Open vSwitch sends the same
 * for OFPTT_ALL). Match and instruction errors come from match.ts and
 * check-actions.ts. Field restrictions a TABLE_FEATURES request placed on
 * the table are checked here: a field the table cannot match is
 * OFPBMC_BAD_FIELD, a mask it cannot take OFPBMC_BAD_MASK, a field it
 * cannot wildcard but the match omits or masks OFPBMC_BAD_WILDCARDS.
 */
import { OFPFC, OFPFF, OFPG, OFPIT, OFPP, OFPRR, OFPTT } from '../openflow/constants.js';
import { OFPBMC, OFPET, OFPFMFC, OfpError } from '../openflow/errors.js';
import { oxmFieldByName } from '../openflow/oxm.js';
import type { FlowMod, Match } from '../openflow/types.js';
import { checkInstructions, type CheckEnv } from './check-actions.js';
import { compileMatch, isCatchAll, type CompiledMatch, type MatchScratch } from './match.js';
import type { Pipeline, PlanView, Txn } from './pipeline.js';
import { unknownFacts, type Facts } from './prereqs.js';
import { matchWire, Rule, type RuleRefs } from './rule.js';
import { MATCH_MASKED, MATCH_NO, N_FIELDS, type TableCaps } from './table-caps.js';
import type { FlowTable } from './table.js';

const ALL_FLOW_MOD_FLAGS =
  OFPFF.SEND_FLOW_REM | OFPFF.CHECK_OVERLAP | OFPFF.RESET_COUNTS | OFPFF.NO_PKT_COUNTS | OFPFF.NO_BYT_COUNTS;

export interface FlowModEnv extends CheckEnv {
  now(): number;
  /** Where matches are compiled (see MatchScratch): a flow_mod's match is copied only if it becomes a rule. */
  readonly scratch: MatchScratch;
  /** A rule's own copy of its key words (KeyArena). */
  keyOf(value: Uint32Array): Uint32Array;
  /** Gives back a copy from `keyOf` that no rule in a table holds. */
  releaseKey(slot: Uint32Array): void;
  /** A shared copy of `mask` (rules of one table mostly share a few masks). */
  internMask(mask: Uint32Array): Uint32Array;
}

/** A checked flow_mod, ready to apply. */
export interface FlowModPlan {
  /** Whether the request is an ADD or MODIFY*, whose buffer_id (if any) names a packet to send through the tables. */
  readonly usesBuffer: boolean;
  apply(txn: Txn): void;
}

const badFlowMod = (code: OFPFMFC, detail: string): OfpError => new OfpError(OFPET.FLOW_MOD_FAILED, code, detail);

/**
 * Checks `fm` against the pipeline as `view` sees it — the committed state,
 * or a bundle's transaction with its earlier messages in it — and returns
 * the plan, or throws the spec's error. `compiled` is fm's match compiled
 * earlier (a bundle compiles its messages' matches when they are added).
 */
export function planFlowMod(p: Pipeline, fm: FlowMod, env: FlowModEnv, view: PlanView = p, compiled?: CompiledMatch): FlowModPlan {
  switch (fm.command) {
    case OFPFC.ADD:
    case OFPFC.MODIFY:
    case OFPFC.MODIFY_STRICT:
    case OFPFC.DELETE:
    case OFPFC.DELETE_STRICT:
      break;
    default:
      throw badFlowMod(OFPFMFC.BAD_COMMAND, `command ${fm.command}`);
  }
  if ((fm.flags & ~ALL_FLOW_MOD_FLAGS) !== 0) throw badFlowMod(OFPFMFC.BAD_FLAGS, `flags 0x${fm.flags.toString(16)}`);
  const isDelete = fm.command === OFPFC.DELETE || fm.command === OFPFC.DELETE_STRICT;
  if (fm.table_id === OFPTT.ALL && !isDelete) throw badFlowMod(OFPFMFC.BAD_TABLE_ID, 'OFPTT_ALL is only for deletes');
  if (fm.table_id !== OFPTT.ALL && p.table(fm.table_id) === undefined) {
    throw badFlowMod(OFPFMFC.BAD_TABLE_ID, `table ${fm.table_id} does not exist`);
  }
  const m = compiled ?? compileMatch(fm.match, env.scratch);
  switch (fm.command) {
    case OFPFC.ADD:
      return planAdd(p, fm, m, env, view);
    case OFPFC.MODIFY:
    case OFPFC.MODIFY_STRICT:
      return planModify(p, fm, m, env, view.version);
    default:
      return planDelete(p, fm, m, view.version);
  }
}

/**
 * For a bundled ADD, everything that does not depend on the tables'
 * contents, done when the message is added — as Open vSwitch's
 * handle_bundle_add checks a flow_mod and builds its rule then
 * (ofproto_flow_mod_init, add_flow_init), leaving the commit only the
 * table insertions: the checks of the match against the table's
 * capabilities and of the instructions, and the new Rule itself, with its
 * own key words and its creation time (Open vSwitch's too is the time of
 * the add). The commit finishes it with `addPrepared` while the table's
 * `caps` are still the ones it was checked against (the caller notes
 * them: `p.table(rule.tableId).caps` now).
 *
 * Null when the commit must do it all, as for any flow_mod: the message is
 * not an ADD to an existing table, a check failed (the commit reports it,
 * in its place among the bundle's messages), or the instructions name a
 * group, a meter or a next table, whose existence is the commit's to judge.
 * A returned rule's key words are the caller's until it hands the rule to
 * `addPrepared`: it gives them back (`releaseKey`) if it never does. `m` is
 * left as it was. `wire`, if given, is fm's match as Rule.matchWire keeps
 * it (the caller had its bytes), sparing its encoding.
 */
export function prepareAdd(p: Pipeline, fm: FlowMod, m: CompiledMatch, env: FlowModEnv, wire?: string): Rule | null {
  if (fm.command !== OFPFC.ADD || (fm.flags & ~ALL_FLOW_MOD_FLAGS) !== 0) return null;
  const table = fm.table_id === OFPTT.ALL ? undefined : p.table(fm.table_id);
  if (table === undefined) return null;
  for (let i = 0; i < fm.instructions.length; i++) {
    const t = fm.instructions[i]!.type;
    if (t === OFPIT.GOTO_TABLE || t === OFPIT.METER) return null;
  }
  const caps = table.caps;
  let refs: RuleRefs;
  try {
    if (!caps.matchAll) checkMatchAgainstCaps(fm.match, caps);
    // On a copy of the facts: the walk changes them as apply-actions would
    // change the packet, and a message this returns null for is checked
    // again at commit from `m` as compiled.
    const f = m.facts;
    const facts = prepareFacts;
    facts.ethType = f.ethType;
    facts.ipProto = f.ipProto;
    facts.icmpv6Type = f.icmpv6Type;
    facts.vlan = f.vlan;
    facts.inPort = f.inPort;
    refs = checkInstructions(fm.instructions, table.id, caps, fm.priority === 0 && isCatchAll(m.mask), facts, env);
  } catch (e) {
    if (e instanceof OfpError) return null;
    throw e;
  }
  if (refs.groups.length !== 0) return null;
  return new Rule(
    table.id,
    env.keyOf(m.value),
    env.internMask(m.mask),
    fm.priority,
    wire ?? matchWire(fm.match),
    fm.instructions,
    refs,
    fm.cookie,
    fm.idle_timeout,
    fm.hard_timeout,
    fm.flags,
    env.now(),
  );
}

/** prepareAdd's copy of a match's facts (checkInstructions keeps nothing of them). */
const prepareFacts: Facts = unknownFacts();

/**
 * The commit's part of a prepared ADD (`prepareAdd`), planned and applied
 * to `txn` at once: what planAdd checks against the tables' contents —
 * overlap, an identical entry to replace, room in the table — in the same
 * order, with the same errors (thrown with nothing changed and the key
 * words still the caller's), then the insertion or replacement. No plan
 * object: a bundle commits 100,000 of these in a row.
 */
export function addPrepared(p: Pipeline, prepared: Rule, env: FlowModEnv, txn: Txn): void {
  const table = p.table(prepared.tableId)!;
  const { value, mask, priority, flags } = prepared;
  const old = identicalOrRoom(table, value, mask, priority, flags, txn);
  if (old === null) {
    txn.insert(prepared);
    return;
  }
  // An identical match has identical key words: the new entry takes over the old one's.
  env.releaseKey(prepared.value);
  const rule = new Rule(
    table.id,
    old.value,
    old.mask,
    priority,
    prepared.matchWire,
    prepared.instructions,
    prepared.refs,
    prepared.cookie,
    prepared.idleTimeout,
    prepared.hardTimeout,
    flags,
    prepared.created,
  );
  txn.replace(old, rule, (flags & OFPFF.RESET_COUNTS) !== 0);
}

/**
 * An ADD's checks against the tables' contents, in this order: overlap
 * (with CHECK_OVERLAP), then room in the table unless an identical entry
 * (same match and priority) is there to be replaced. Returns that entry.
 */
function identicalOrRoom(table: FlowTable, value: Uint32Array, mask: Uint32Array, priority: number, flags: number, view: PlanView): Rule | null {
  if ((flags & OFPFF.CHECK_OVERLAP) !== 0 && table.cls.hasOverlap(value, mask, priority, view.version)) {
    throw badFlowMod(OFPFMFC.OVERLAP, `overlaps an entry of priority ${priority}`);
  }
  const old = table.cls.findExact(value, mask, priority, view.version);
  const entries = table.nRules + view.pendingRules(table.id);
  if (old === null && entries >= table.caps.maxEntries) {
    throw badFlowMod(OFPFMFC.TABLE_FULL, `table ${table.id} holds ${entries} entries`);
  }
  return old;
}

/** Inserts `rule`, or has it replace the identical `old` (counters kept unless RESET_COUNTS). */
function addPlan(old: Rule | null, rule: Rule, flags: number): FlowModPlan {
  const reset = (flags & OFPFF.RESET_COUNTS) !== 0;
  return {
    usesBuffer: true,
    apply(txn) {
      if (old === null) txn.insert(rule);
      else txn.replace(old, rule, reset);
    },
  };
}

function planAdd(p: Pipeline, fm: FlowMod, m: CompiledMatch, env: FlowModEnv, view: PlanView): FlowModPlan {
  const table = p.table(fm.table_id)!;
  if (!table.caps.matchAll) checkMatchAgainstCaps(fm.match, table.caps);
  const isMiss = fm.priority === 0 && isCatchAll(m.mask);
  const refs = checkInstructions(fm.instructions, table.id, table.caps, isMiss, m.facts, env);
  const old = identicalOrRoom(table, m.value, m.mask, fm.priority, fm.flags, view);
  // An identical match has identical key words: the new entry takes over the old one's.
  const rule = new Rule(
    table.id,
    old !== null ? old.value : env.keyOf(m.value),
    old !== null ? old.mask : env.internMask(m.mask),
    fm.priority,
    matchWire(fm.match),
    fm.instructions,
    refs,
    fm.cookie,
    fm.idle_timeout,
    fm.hard_timeout,
    fm.flags,
    env.now(),
  );
  return addPlan(old, rule, fm.flags);
}

function planModify(p: Pipeline, fm: FlowMod, m: CompiledMatch, env: FlowModEnv, version: number): FlowModPlan {
  const table = p.table(fm.table_id)!;
  const targets = fm.command === OFPFC.MODIFY_STRICT ? strictTargets(version, table, fm, m) : looseTargets(version, table, fm, m);
  // The instructions are checked even when nothing matches: a bad request is refused either way.
  const refsFor: (RuleRefs | undefined)[] = [undefined, undefined];
  const check = (isMiss: boolean): RuleRefs => {
    const k = isMiss ? 1 : 0;
    return (refsFor[k] ??= checkInstructions(fm.instructions, table.id, table.caps, isMiss, { ...m.facts }, env));
  };
  check(fm.priority === 0 && isCatchAll(m.mask));
  const replacements = targets.map((old) => {
    const refs = check(old.priority === 0 && isCatchAll(old.mask));
    return [old, modified(old, fm, refs)] as const;
  });
  const reset = (fm.flags & OFPFF.RESET_COUNTS) !== 0;
  return {
    usesBuffer: true,
    apply(txn) {
      for (const [old, next] of replacements) txn.replace(old, next, reset);
    },
  };
}

/** `old` with the request's instructions and nothing else changed (§6.4). */
function modified(old: Rule, fm: FlowMod, refs: RuleRefs): Rule {
  return new Rule(
    old.tableId,
    old.value,
    old.mask,
    old.priority,
    old.matchWire,
    fm.instructions,
    refs,
    old.cookie,
    old.idleTimeout,
    old.hardTimeout,
    old.flags,
    old.created,
  );
}

function planDelete(p: Pipeline, fm: FlowMod, m: CompiledMatch, version: number): FlowModPlan {
  const tables = fm.table_id === OFPTT.ALL ? [...p.allTables()] : [p.table(fm.table_id)!];
  const strict = fm.command === OFPFC.DELETE_STRICT;
  const out_port = fm.out_port >>> 0;
  const out_group = fm.out_group >>> 0;
  const victims: Rule[] = [];
  for (const t of tables) {
    const found = strict ? strictTargets(version, t, fm, m) : looseTargets(version, t, fm, m);
    for (const r of found) {
      if (out_port !== OFPP.ANY && !r.outputsTo(out_port)) continue;
      if (out_group !== OFPG.ANY && !r.sendsToGroup(out_group)) continue;
      victims.push(r);
    }
  }
  return {
    usesBuffer: false,
    apply(txn) {
      for (const r of victims) txn.remove(r, OFPRR.DELETE);
    },
  };
}

function cookieMatches(r: Rule, fm: { cookie: bigint; cookie_mask: bigint }): boolean {
  return ((r.cookie ^ fm.cookie) & fm.cookie_mask) === 0n;
}

function strictTargets(version: number, t: FlowTable, fm: FlowMod, m: CompiledMatch): Rule[] {
  const r = t.cls.findExact(m.value, m.mask, fm.priority, version);
  return r !== null && cookieMatches(r, fm) ? [r] : [];
}

/** Rules of `t` at least as specific as `m`, passing the cookie filter, highest priority first. */
export function looseTargets(
  version: number,
  t: FlowTable,
  fm: { cookie: bigint; cookie_mask: bigint },
  m: { value: Uint32Array; mask: Uint32Array },
): Rule[] {
  const out: Rule[] = [];
  t.cls.forEachLoose(m.value, m.mask, version, (r) => {
    if (cookieMatches(r, fm)) out.push(r);
  });
  return out;
}

/**
 * The restrictions a TABLE_FEATURES request may have placed on which fields
 * the table matches (OFPTFPT_MATCH, OFPTFPT_WILDCARDS).
 */
function checkMatchAgainstCaps(match: Match, caps: TableCaps): void {
  const present = new Uint8Array(N_FIELDS);
  for (const f of match) {
    if (f.field === 'other') continue; // compileMatch has refused it already
    const info = oxmFieldByName(f.field)!;
    const can = caps.match[info.code]!;
    if (can === MATCH_NO) throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_FIELD, `this table cannot match ${f.field}`);
    if (f.mask !== undefined && can !== MATCH_MASKED) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, `this table cannot mask ${f.field}`);
    }
    if (f.mask !== undefined && caps.wildcards[info.code] !== 1) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_WILDCARDS, `this table cannot wildcard ${f.field}`);
    }
    if (f.field === 'metadata' && f.mask !== undefined && ((f.mask as bigint) & ~caps.metadataMatch) !== 0n) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, 'metadata mask beyond the table\'s metadata_match');
    }
    if (f.field === 'metadata' && f.mask === undefined && caps.metadataMatch !== 0xffffffffffffffffn) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_MASK, 'exact metadata beyond the table\'s metadata_match');
    }
    present[info.code] = 1;
  }
  for (let code = 0; code < N_FIELDS; code++) {
    if (caps.match[code] !== MATCH_NO && caps.wildcards[code] !== 1 && present[code] !== 1) {
      throw new OfpError(OFPET.BAD_MATCH, OFPBMC.BAD_WILDCARDS, `this table must match field ${code}`);
    }
  }
}
