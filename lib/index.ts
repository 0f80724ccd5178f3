/**
 * The package's public surface: the OpenFlow 1.3 codec, and later the switch.
 */
export * from './openflow/index.js';
