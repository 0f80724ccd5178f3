/**
 * lib/packet: zero-copy header views, builders, checksums, push/pop, and
 * flow key extraction. See each module's essay; extract.ts describes how a
 * frame becomes a flow key.
 */
export * from './wire.js';
export * from './checksum.js';
export * from './ethernet.js';
export * from './vlan.js';
export * from './mpls.js';
export * from './pbb.js';
export * from './arp.js';
export * from './ip.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './ipv6-ext.js';
export * from './tcp.js';
export * from './udp.js';
export * from './sctp.js';
export * from './icmpv4.js';
export * from './icmpv6.js';
export * from './set-field.js';
export * from './encap.js';
export * from './extract.js';
export * from './flow-key.js';
