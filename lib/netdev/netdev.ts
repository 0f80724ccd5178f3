/**
 * The device behind an OpenFlow port, as the switch's OpenFlow state sees it.
 *
 * ofproto models ports (numbers, config bits, state bits, features); the
 * frames themselves belong to the datapath. Between the two sits this small
 * interface: a name, a hardware address, whether the link is up, what the
 * device supports and runs at, and its counters. Every port type (system
 * AF_PACKET, tap, internal, patch, vxlan, and `dummy` for tests) implements
 * it; ofproto never asks a device for more than this.
 *
 * A device reports changes (link up/down, speed) through `onChange`, which
 * ofproto turns into OFPT_PORT_STATUS. `setAdminUp` is how OFPPC_PORT_DOWN
 * reaches the device, as Open vSwitch brings a netdev down for it.
 */
import type { PortStats } from '../openflow/types.js';

/** Counters as struct ofp_port_stats carries them; a device that cannot count something reports -1n. */
export type NetdevStats = Omit<PortStats, 'port_no' | 'duration_sec' | 'duration_nsec'>;

/** OFPPF_* bitmaps and speeds in kb/s, as struct ofp_port carries them. */
export interface NetdevFeatures {
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  curr_speed: number;
  max_speed: number;
}

export interface Netdev {
  /** The interface name; an OpenFlow port name is at most 15 bytes of it. */
  readonly name: string;
  /** The device type ("system", "tap", "internal", "dummy", ...), for show commands. */
  readonly type: string;
  /** "aa:bb:cc:dd:ee:ff". */
  hwAddr(): string;
  /** Carrier: false maps to OFPPS_LINK_DOWN. */
  linkUp(): boolean;
  features(): NetdevFeatures;
  stats(): NetdevStats;
  /** Brings the device administratively up or down (OFPPC_PORT_DOWN). */
  setAdminUp(up: boolean): void;
  /** Asks the device to advertise these OFPPF_* features (PORT_MOD); false if it cannot. */
  setAdvertised(advertised: number): boolean;
  /** Subscribes to link, speed or address changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Counters all zero, for new devices. */
export function zeroStats(): NetdevStats {
  return {
    rx_packets: 0n,
    tx_packets: 0n,
    rx_bytes: 0n,
    tx_bytes: 0n,
    rx_dropped: 0n,
    tx_dropped: 0n,
    rx_errors: 0n,
    tx_errors: 0n,
    rx_frame_err: 0n,
    rx_over_err: 0n,
    rx_crc_err: 0n,
    collisions: 0n,
  };
}
