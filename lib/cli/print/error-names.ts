/**
 * The names ovs-ofctl gives OpenFlow 1.3 error (type, code) pairs.
 *
 * Mostly the spec's, but Open vSwitch keeps its own names for some: the
 * experimenter errors are "VENDOR" ones (OFPBRC_BAD_VENDOR), multipart is
 * "STAT" (OFPBRC_BAD_STAT), IS_SLAVE is OFPBRC_IS_SECONDARY, and the
 * table-features property errors are OFPBPC_* (its bundle-property
 * errors, which share those codes). Read from ovs-ofctl 3.1's output for
 * every pair; a pair missing here is one it does not know, and it prints
 * such an error message as undecodable (OFPBRC_BAD_LEN).
 */

const TYPES: readonly (readonly [string, readonly string[]])[] = [
  ['OFPHFC', ['INCOMPATIBLE', 'EPERM']],
  [
    'OFPBRC',
    [
      'BAD_VERSION',
      'BAD_TYPE',
      'BAD_STAT',
      'BAD_VENDOR',
      'BAD_SUBTYPE',
      'EPERM',
      'BAD_LEN',
      'BUFFER_EMPTY',
      'BUFFER_UNKNOWN',
      'BAD_TABLE_ID',
      'IS_SECONDARY',
      'BAD_PORT',
      'BAD_PACKET',
      'MULTIPART_BUFFER_OVERFLOW',
    ],
  ],
  [
    'OFPBAC',
    [
      'BAD_TYPE',
      'BAD_LEN',
      'BAD_VENDOR',
      'BAD_VENDOR_TYPE',
      'BAD_OUT_PORT',
      'BAD_ARGUMENT',
      'EPERM',
      'TOO_MANY',
      'BAD_QUEUE',
      'BAD_OUT_GROUP',
      'MATCH_INCONSISTENT',
      'UNSUPPORTED_ORDER',
      'BAD_TAG',
      'BAD_SET_TYPE',
      'BAD_SET_LEN',
      'BAD_SET_ARGUMENT',
    ],
  ],
  [
    'OFPBIC',
    ['UNKNOWN_INST', 'UNSUP_INST', 'BAD_TABLE_ID', 'UNSUP_METADATA', 'UNSUP_METADATA_MASK', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'BAD_LEN', 'EPERM'],
  ],
  [
    'OFPBMC',
    [
      'BAD_TYPE',
      'BAD_LEN',
      'BAD_TAG',
      'BAD_DL_ADDR_MASK',
      'BAD_NW_ADDR_MASK',
      'BAD_WILDCARDS',
      'BAD_FIELD',
      'BAD_VALUE',
      'BAD_MASK',
      'BAD_PREREQ',
      'DUP_FIELD',
      'EPERM',
    ],
  ],
  ['OFPFMFC', ['UNKNOWN', 'TABLE_FULL', 'BAD_TABLE_ID', 'OVERLAP', 'EPERM', 'BAD_TIMEOUT', 'BAD_COMMAND', 'BAD_FLAGS']],
  [
    'OFPGMFC',
    [
      'GROUP_EXISTS',
      'INVALID_GROUP',
      'WEIGHT_UNSUPPORTED',
      'OUT_OF_GROUPS',
      'OUT_OF_BUCKETS',
      'CHAINING_UNSUPPORTED',
      'WATCH_UNSUPPORTED',
      'LOOP',
      'UNKNOWN_GROUP',
      'CHAINED_GROUP',
      'BAD_TYPE',
      'BAD_COMMAND',
      'BAD_BUCKET',
      'BAD_WATCH',
      'EPERM',
    ],
  ],
  ['OFPPMFC', ['BAD_PORT', 'BAD_HW_ADDR', 'BAD_CONFIG', 'BAD_ADVERTISE', 'EPERM']],
  ['OFPTMFC', ['BAD_TABLE', 'BAD_CONFIG', 'EPERM']],
  ['OFPQOFC', ['BAD_PORT', 'BAD_QUEUE', 'EPERM']],
  ['OFPSCFC', ['BAD_FLAGS', 'BAD_LEN', 'EPERM']],
  ['OFPRRFC', ['STALE', 'UNSUP', 'BAD_ROLE']],
  [
    'OFPMMFC',
    [
      'UNKNOWN',
      'METER_EXISTS',
      'INVALID_METER',
      'UNKNOWN_METER',
      'BAD_COMMAND',
      'BAD_FLAGS',
      'BAD_RATE',
      'BAD_BURST',
      'BAD_BAND',
      'BAD_BAND_VALUE',
      'OUT_OF_METERS',
      'OUT_OF_BANDS',
    ],
  ],
  ['OFPTFFC', ['BAD_TABLE', 'BAD_METADATA', '!OFPBPC_BAD_TYPE', '!OFPBPC_BAD_LEN', '!OFPBPC_BAD_VALUE', 'EPERM']],
];

/** ovs-ofctl's name for an OF1.3 error, or undefined if it does not know the pair. */
export function ovsErrorName(type: number, code: number): string | undefined {
  const t = TYPES[type];
  const name = t?.[1][code];
  if (t === undefined || name === undefined) return undefined;
  return name.startsWith('!') ? name.slice(1) : `${t[0]}_${name}`;
}
