/**
 * Creating the device behind each configured port. The syntax knows every
 * port type Open vSwitch users expect (system, tap, internal, patch, vxlan,
 * dummy); only the types that exist are created, and any other is refused
 * by name — the daemon never pretends a port is attached.
 */
import { DummyNetdev } from '../netdev/dummy.js';
import type { LinkMonitor } from '../netdev/link-monitor.js';
import type { Netdev } from '../netdev/netdev.js';
import { SystemNetdev } from '../netdev/system.js';
import { TapNetdev } from '../netdev/tap.js';
import { AVAILABLE_PORT_TYPES, type PortSpec } from './daemon-values.js';

export class PortTypeError extends Error {}

/** What ports of one daemon share: one rtnetlink listener for all native ports. */
export interface PortContext {
  linkMonitor?: LinkMonitor;
}

export function createNetdev(spec: PortSpec, ctx: PortContext = {}): Netdev {
  const where = `port ${spec.number}=${spec.iface}:${spec.type}`;
  try {
    switch (spec.type) {
      case 'dummy':
        return new DummyNetdev(spec.iface);
      case 'system':
        return new SystemNetdev(spec.iface, { linkMonitor: ctx.linkMonitor });
      case 'tap':
        return new TapNetdev(spec.iface, { linkMonitor: ctx.linkMonitor });
      case 'internal':
        return new TapNetdev(spec.iface, { linkMonitor: ctx.linkMonitor, type: 'internal' });
      case 'patch':
      case 'vxlan':
        throw new PortTypeError(
          `${where}: port type "${spec.type}" is not available yet ` +
            `(available: ${AVAILABLE_PORT_TYPES.join(', ')})`,
        );
      default: {
        const never: never = spec.type;
        throw new PortTypeError(`unknown port type ${String(never)}`);
      }
    }
  } catch (e) {
    if (e instanceof PortTypeError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENODEV'
        ? `no interface named ${spec.iface}`
        : err.code === 'EPERM' || err.code === 'EACCES'
          ? `${err.message} (system, tap and internal ports need root or CAP_NET_RAW/CAP_NET_ADMIN)`
          : err.message;
    throw new PortTypeError(`${where}: ${why}`);
  }
}
