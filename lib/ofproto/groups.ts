/**
 * The group table (OpenFlow 1.3.5 §5.6, §6.5, §7.3.4.2): ALL, SELECT,
 * INDIRECT and FAST_FAILOVER groups, chaining, liveness, GROUP_MOD and the
 * group multipart replies.
 *
 * GROUP_MOD is planned and then applied, like flow mods: every check runs
 * first, and a refused request changes nothing. The checks and their
 * errors (ofp_group_mod_failed_code), in the order Open vSwitch runs the
 * ones it has (lib/ofp-group.c ofputil_decode_group_mod, ofproto.c
 * init_group / add_group_start):
 * - command other than ADD/MODIFY/DELETE: OFPGMFC_BAD_COMMAND;
 * - DELETE carrying buckets: OFPGMFC_INVALID_GROUP (OF1.3.5);
 * - group id above OFPG_MAX (OFPG_ALL, OFPG_ANY) for ADD/MODIFY:
 *   OFPGMFC_INVALID_GROUP; type above FF: OFPGMFC_BAD_TYPE;
 * - INDIRECT without exactly one bucket: OFPGMFC_INVALID_GROUP;
 * - a non-zero weight outside SELECT: OFPGMFC_WEIGHT_UNSUPPORTED (Open
 *   vSwitch: INVALID_GROUP; the spec's code names the case);
 * - a watch in an ALL or INDIRECT bucket: OFPGMFC_WATCH_UNSUPPORTED; a
 *   FAST_FAILOVER bucket watching nothing: OFPGMFC_INVALID_GROUP; a watch
 *   port that is no port (0, reserved other than ANY/LOCAL) or a watch
 *   group that does not exist: OFPGMFC_BAD_WATCH;
 * - bucket actions, checked as group-bucket actions (check-actions.ts):
 *   OFPET_BAD_ACTION errors, e.g. OFPBAC_BAD_OUT_GROUP for a chained group
 *   that does not exist;
 * - more buckets than max_buckets: OFPGMFC_OUT_OF_BUCKETS; more groups of
 *   a type than max_groups: OFPGMFC_OUT_OF_GROUPS;
 * - ADD of an existing id: OFPGMFC_GROUP_EXISTS; MODIFY of a missing one:
 *   OFPGMFC_UNKNOWN_GROUP;
 * - a chain (group actions, and watch groups) that leads back to the group:
 *   OFPGMFC_LOOP;
 * - DELETE of a group another group forwards to: OFPGMFC_CHAINED_GROUP
 *   (unless that group goes in the same request, as with OFPG_ALL).
 * DELETE of a group that does not exist succeeds (§6.5). Deleting a group
 * removes the flow entries that send to it, with OFPRR_GROUP_DELETE.
 * MODIFY keeps the group's age and resets its counters (its buckets are new).
 *
 * Liveness follows Open vSwitch: a bucket is live when it watches nothing,
 * or its watch port is live, or its watch group is; a group is live when
 * one of its buckets is.
 */
import { OFPG, OFPGC, OFPGFC, OFPGT, OFPP, OFPRR } from '../openflow/constants.js';
import { OFPET, OFPGMFC, OfpError } from '../openflow/errors.js';
import type { Action, Bucket, GroupDesc, GroupFeatures, GroupMod, GroupStats } from '../openflow/types.js';
import { ActionPlace, checkActionList, type CheckEnv } from './check-actions.js';
import { durationOf } from './clock.js';
import type { Pipeline, Txn } from './pipeline.js';
import { ALL_ACTIONS } from './table-caps.js';

export class Group {
  packets = 0;
  bytes = 0;
  readonly bucketPackets: number[];
  readonly bucketBytes: number[];

  constructor(
    readonly id: number,
    readonly type: OFPGT,
    readonly buckets: readonly Bucket[],
    /** Groups its buckets send to (chaining). */
    readonly chained: readonly number[],
    readonly created: number,
  ) {
    this.bucketPackets = buckets.map(() => 0);
    this.bucketBytes = buckets.map(() => 0);
  }
}

export interface GroupLimits {
  /** Per OFPGT type. */
  maxGroups: [number, number, number, number];
  maxBuckets: number;
}

export interface GroupEnv extends CheckEnv {
  now(): number;
  portLive(port: number): boolean;
}

export interface GroupModPlan {
  apply(txn: Txn): void;
}

const badGroup = (code: OFPGMFC, detail: string): OfpError => new OfpError(OFPET.GROUP_MOD_FAILED, code, detail);

/** How deep liveness follows watch groups; loops are refused, this bounds the walk regardless. */
const MAX_LIVENESS_DEPTH = 32;

export class GroupTable {
  private readonly groups = new Map<number, Group>();
  private readonly counts = [0, 0, 0, 0];

  constructor(readonly limits: GroupLimits) {}

  get(id: number): Group | undefined {
    return this.groups.get(id);
  }

  has(id: number): boolean {
    return this.groups.has(id);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Groups in id order. */
  sorted(): Group[] {
    return [...this.groups.values()].sort((a, b) => a.id - b.id);
  }

  plan(gm: GroupMod, p: Pipeline, env: GroupEnv): GroupModPlan {
    switch (gm.command) {
      case OFPGC.ADD:
      case OFPGC.MODIFY:
        return this.planAddModify(gm, env);
      case OFPGC.DELETE:
        return this.planDelete(gm, p);
      default:
        throw badGroup(OFPGMFC.BAD_COMMAND, `command ${gm.command as number}`);
    }
  }

  private planAddModify(gm: GroupMod, env: GroupEnv): GroupModPlan {
    const id = gm.group_id >>> 0;
    if (id > OFPG.MAX) throw badGroup(OFPGMFC.INVALID_GROUP, `group id 0x${id.toString(16)}`);
    const type = gm.group_type;
    if (type !== OFPGT.ALL && type !== OFPGT.SELECT && type !== OFPGT.INDIRECT && type !== OFPGT.FF) {
      throw badGroup(OFPGMFC.BAD_TYPE, `group type ${type as number}`);
    }
    if (type === OFPGT.INDIRECT && gm.buckets.length !== 1) {
      throw badGroup(OFPGMFC.INVALID_GROUP, `indirect group with ${gm.buckets.length} buckets`);
    }
    const watched: number[] = [];
    for (const b of gm.buckets) this.checkBucketShape(b, type, id, watched);
    // A group may name itself in its buckets only to be refused as a loop below.
    const bucketEnv: CheckEnv = { ...env, groupExists: (g) => g === id || env.groupExists(g) };
    const chained: number[] = [];
    for (const b of gm.buckets) chained.push(...checkActionList(b.actions, ActionPlace.BUCKET, null, bucketEnv).groups);
    if (gm.buckets.length > this.limits.maxBuckets) {
      throw badGroup(OFPGMFC.OUT_OF_BUCKETS, `${gm.buckets.length} buckets > ${this.limits.maxBuckets}`);
    }
    const old = this.groups.get(id);
    if (gm.command === OFPGC.ADD && old !== undefined) throw badGroup(OFPGMFC.GROUP_EXISTS, `group ${id}`);
    if (gm.command === OFPGC.MODIFY && old === undefined) throw badGroup(OFPGMFC.UNKNOWN_GROUP, `group ${id}`);
    if ((old === undefined || old.type !== type) && this.counts[type]! >= this.limits.maxGroups[type]) {
      throw badGroup(OFPGMFC.OUT_OF_GROUPS, `${this.counts[type]} groups of type ${type}`);
    }
    const edges = [...new Set([...chained, ...watched])];
    if (this.reaches(edges, id)) throw badGroup(OFPGMFC.LOOP, `group ${id} would reach itself`);
    const group = new Group(id, type, gm.buckets, [...new Set(chained)], old?.created ?? env.now());
    return {
      apply: (txn) => {
        if (old !== undefined) this.counts[old.type]!--;
        this.counts[type]!++;
        this.groups.set(id, group);
        txn.touch();
      },
    };
  }

  /** Weight and watch rules for one bucket of a group of `type`; collects watch groups. */
  private checkBucketShape(b: Bucket, type: OFPGT, id: number, watched: number[]): void {
    if (b.weight !== 0 && type !== OFPGT.SELECT) {
      throw badGroup(OFPGMFC.WEIGHT_UNSUPPORTED, `weight ${b.weight} in a non-select group`);
    }
    const wp = b.watch_port >>> 0;
    const wg = b.watch_group >>> 0;
    const watches = wp !== OFPP.ANY || wg !== OFPG.ANY;
    if (watches && (type === OFPGT.ALL || type === OFPGT.INDIRECT)) {
      throw badGroup(OFPGMFC.WATCH_UNSUPPORTED, 'only select and fast-failover buckets watch');
    }
    if (!watches && type === OFPGT.FF) throw badGroup(OFPGMFC.INVALID_GROUP, 'a fast-failover bucket must watch a port or group');
    if (wp !== OFPP.ANY && wp !== OFPP.LOCAL && !(wp >= 1 && wp <= OFPP.MAX)) {
      throw badGroup(OFPGMFC.BAD_WATCH, `watch_port 0x${wp.toString(16)}`);
    }
    if (wg !== OFPG.ANY) {
      if (wg === id) throw badGroup(OFPGMFC.LOOP, `group ${id} watches itself`);
      if (wg > OFPG.MAX || !this.groups.has(wg)) throw badGroup(OFPGMFC.BAD_WATCH, `watch_group ${wg} does not exist`);
      watched.push(wg);
    }
  }

  /** Whether `target` is reachable from any of `from` through chaining and watch edges. */
  private reaches(from: readonly number[], target: number): boolean {
    const seen = new Set<number>();
    const stack = [...from];
    while (stack.length > 0) {
      const g = stack.pop()!;
      if (g === target) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      const grp = this.groups.get(g);
      if (grp === undefined) continue;
      stack.push(...grp.chained);
      for (const b of grp.buckets) if (b.watch_group >>> 0 !== OFPG.ANY) stack.push(b.watch_group >>> 0);
    }
    return false;
  }

  private planDelete(gm: GroupMod, p: Pipeline): GroupModPlan {
    if (gm.buckets.length !== 0) throw badGroup(OFPGMFC.INVALID_GROUP, 'a delete carries no buckets');
    const id = gm.group_id >>> 0;
    const victims = id === OFPG.ALL ? [...this.groups.values()] : this.groups.has(id) ? [this.groups.get(id)!] : [];
    if (id !== OFPG.ALL) {
      for (const g of this.groups.values()) {
        if (g.id !== id && g.chained.includes(id)) throw badGroup(OFPGMFC.CHAINED_GROUP, `group ${g.id} sends to group ${id}`);
      }
    }
    const rules = victims.flatMap((g) => [...p.rulesUsingGroup(g.id)]);
    return {
      apply: (txn) => {
        const gone = new Set(rules);
        for (const r of gone) txn.remove(r, OFPRR.GROUP_DELETE);
        for (const g of victims) {
          this.groups.delete(g.id);
          this.counts[g.type]!--;
          txn.touch();
        }
      },
    };
  }

  /* --------------------------------------------------------- liveness */

  bucketLive(b: Bucket, env: Pick<GroupEnv, 'portLive'>, depth = 0): boolean {
    const wp = b.watch_port >>> 0;
    const wg = b.watch_group >>> 0;
    if (wp === OFPP.ANY && wg === OFPG.ANY) return true;
    if (wp !== OFPP.ANY && env.portLive(wp)) return true;
    return wg !== OFPG.ANY && this.groupLive(wg, env, depth + 1);
  }

  groupLive(id: number, env: Pick<GroupEnv, 'portLive'>, depth = 0): boolean {
    const g = this.groups.get(id);
    if (g === undefined || depth > MAX_LIVENESS_DEPTH) return false;
    return g.buckets.some((b) => this.bucketLive(b, env, depth));
  }

  /** The bucket a fast-failover group uses now: the first live one, or -1. */
  failoverBucket(g: Group, env: Pick<GroupEnv, 'portLive'>): number {
    return g.buckets.findIndex((b) => this.bucketLive(b, env));
  }

  /** A select group's bucket for a flow hash (weighted over live buckets), or -1. */
  selectBucket(g: Group, hash: number, env: Pick<GroupEnv, 'portLive'>): number {
    let total = 0;
    const live = g.buckets.map((b) => (this.bucketLive(b, env) ? b.weight : 0));
    for (const w of live) total += w;
    if (total === 0) return -1;
    let pick = (hash >>> 0) % total;
    for (let i = 0; i < live.length; i++) {
      if (pick < live[i]!) return i;
      pick -= live[i]!;
    }
    return -1;
  }

  /* ------------------------------------------------------------ stats */

  credit(g: Group, bucket: number, packets: number, bytes: number): void {
    g.packets += packets;
    g.bytes += bytes;
    if (bucket >= 0 && bucket < g.buckets.length) {
      g.bucketPackets[bucket]! += packets;
      g.bucketBytes[bucket]! += bytes;
    }
  }

  /** How many flow entries and groups send to `id`. */
  refCount(id: number, p: Pipeline): number {
    let n = p.rulesUsingGroup(id).size;
    for (const g of this.groups.values()) if (g.chained.includes(id)) n++;
    return n;
  }

  stats(id: number, p: Pipeline, now: number): GroupStats[] {
    const list = id >>> 0 === OFPG.ALL ? this.sorted() : this.groups.has(id >>> 0) ? [this.groups.get(id >>> 0)!] : [];
    return list.map((g) => {
      const [duration_sec, duration_nsec] = durationOf(g.created, now);
      return {
        group_id: g.id,
        ref_count: this.refCount(g.id, p),
        packet_count: BigInt(g.packets),
        byte_count: BigInt(g.bytes),
        duration_sec,
        duration_nsec,
        bucket_stats: g.buckets.map((_, i) => ({
          packet_count: BigInt(g.bucketPackets[i]!),
          byte_count: BigInt(g.bucketBytes[i]!),
        })),
      };
    });
  }

  desc(): GroupDesc[] {
    return this.sorted().map((g) => ({ group_type: g.type, group_id: g.id, buckets: g.buckets.map(copyBucket) }));
  }

  features(): GroupFeatures {
    const l = this.limits.maxGroups;
    return {
      types: (1 << OFPGT.ALL) | (1 << OFPGT.SELECT) | (1 << OFPGT.INDIRECT) | (1 << OFPGT.FF),
      capabilities: OFPGFC.SELECT_WEIGHT | OFPGFC.SELECT_LIVENESS | OFPGFC.CHAINING | OFPGFC.CHAINING_CHECKS,
      max_groups: [l[0], l[1], l[2], l[3]],
      actions: [ALL_ACTIONS, ALL_ACTIONS, ALL_ACTIONS, ALL_ACTIONS],
    };
  }
}

function copyBucket(b: Bucket): Bucket {
  return { weight: b.weight, watch_port: b.watch_port, watch_group: b.watch_group, actions: [...b.actions] as Action[] };
}
