/**
 * Numbers shared by IPv4 and IPv6: protocol / next-header values (IANA
 * "Assigned Internet Protocol Numbers") and the TOS / Traffic Class split
 * into DSCP and ECN (RFC 2474, RFC 3168).
 */

/** IANA protocol numbers the switch looks at. */
export const enum IPPROTO {
  HOPOPTS = 0,
  ICMP = 1,
  IGMP = 2,
  TCP = 6,
  UDP = 17,
  IPV6 = 41,
  ROUTING = 43,
  FRAGMENT = 44,
  GRE = 47,
  ESP = 50,
  AH = 51,
  ICMPV6 = 58,
  /** IPv6 "No Next Header". */
  NONE = 59,
  DSTOPTS = 60,
  SCTP = 132,
}

/** The DSCP of a TOS / Traffic Class byte. */
export function dscpOf(tos: number): number {
  return (tos >>> 2) & 0x3f;
}

/** The ECN of a TOS / Traffic Class byte. */
export function ecnOf(tos: number): number {
  return tos & 3;
}
