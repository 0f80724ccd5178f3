/**
 * Creating the device behind each configured port. The syntax knows every
 * port type Open vSwitch users expect (system, tap, internal, patch, vxlan,
 * dummy); only the types that exist are created, and any other is refused
 * by name — the daemon never pretends a port is attached.
 */
import { DummyNetdev } from '../netdev/dummy.js';
import type { Netdev } from '../netdev/netdev.js';
import { AVAILABLE_PORT_TYPES, type PortSpec } from './daemon-values.js';

export class PortTypeError extends Error {}

export function createNetdev(spec: PortSpec): Netdev {
  switch (spec.type) {
    case 'dummy':
      return new DummyNetdev(spec.iface);
    case 'system':
    case 'tap':
    case 'internal':
    case 'patch':
    case 'vxlan':
      throw new PortTypeError(
        `port ${spec.number}=${spec.iface}: port type "${spec.type}" is not available yet ` +
          `(available: ${AVAILABLE_PORT_TYPES.join(', ')}; write ${spec.number}=${spec.iface}:dummy for an in-memory port)`,
      );
    default: {
      const never: never = spec.type;
      throw new PortTypeError(`unknown port type ${String(never)}`);
    }
  }
}
