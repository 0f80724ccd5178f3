/**
 * Creating the device behind each configured port: system, tap, internal,
 * patch, vxlan and dummy, with the options the spec carries (checked by
 * daemon-values.ts `checkPortOptions`). The daemon never pretends a port is
 * attached: a device that cannot be made is refused with the port and why.
 *
 * Patch ends find their peers, and vxlan ports share listening sockets,
 * through process-wide registries (lib/netdev/patch.ts, vxlan.ts), so the
 * bridges of one daemon see each other's ports. A vxlan port binds its
 * sockets asynchronously: `portReady` says when it can carry frames, or why
 * it cannot.
 */
import type { Logger } from 'pino';
import { DummyNetdev } from '../netdev/dummy.js';
import type { LinkMonitor } from '../netdev/link-monitor.js';
import type { Netdev } from '../netdev/netdev.js';
import { PatchNetdev, processPatches, type PatchRegistry } from '../netdev/patch.js';
import { SystemNetdev } from '../netdev/system.js';
import { TapNetdev } from '../netdev/tap.js';
import { KEY_FLOW, processVxlan, VxlanNetdev, type VxlanEndpoints } from '../netdev/vxlan.js';
import { checkPortOptions, parseVni, ValueError, VXLAN_PORT, type PortSpec } from './daemon-values.js';
import { applyQueues } from './daemon-queues.js';

export class PortTypeError extends Error {}

/** What ports of one daemon share. */
export interface PortContext {
  /** One rtnetlink listener for all native ports. */
  linkMonitor?: LinkMonitor;
  /** Where patch ends meet (default: the process's). */
  patches?: PatchRegistry;
  /** The vxlan listening sockets (default: the process's). */
  vxlan?: VxlanEndpoints;
  log?: Logger;
}

export function createNetdev(spec: PortSpec, ctx: PortContext = {}): Netdev {
  const netdev = openDevice(spec, ctx);
  if (spec.queues === undefined) return netdev;
  // Queues (daemon-queues.ts): a system port's htb qdisc and lanes, counters elsewhere.
  try {
    applyQueues(netdev, spec.queues);
  } catch (e) {
    (netdev as Partial<{ close(): void }>).close?.();
    throw new PortTypeError(`port ${spec.number}=${spec.iface}:${spec.type}: queues: ${(e as Error).message}`);
  }
  return netdev;
}

function openDevice(spec: PortSpec, ctx: PortContext): Netdev {
  const where = `port ${spec.number}=${spec.iface}:${spec.type}`;
  try {
    // A spec built in code (port/add, tests) gets the same checks as a parsed one.
    checkPortOptions(spec);
    const opt = spec.options ?? {};
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
        return new PatchNetdev(spec.iface, opt.peer!, ctx.patches ?? processPatches);
      case 'vxlan':
        return new VxlanNetdev(
          spec.iface,
          {
            remoteIp: opt.remote_ip!,
            localIp: opt.local_ip,
            dstPort: opt.dst_port === undefined ? VXLAN_PORT : Number(opt.dst_port),
            key: opt.key === undefined ? 0 : opt.key === 'flow' ? KEY_FLOW : parseVni(opt.key),
            log: ctx.log,
          },
          ctx.vxlan ?? processVxlan,
        );
      default: {
        const never: never = spec.type;
        throw new PortTypeError(`unknown port type ${String(never)}`);
      }
    }
  } catch (e) {
    if (e instanceof PortTypeError) throw e;
    // checkPortOptions already names the port.
    if (e instanceof ValueError) throw new PortTypeError(e.message);
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

/**
 * Resolves once `netdev` can carry frames (at once for every type but
 * vxlan, whose sockets bind asynchronously); rejects with a PortTypeError
 * naming the port if it never can.
 */
export async function portReady(spec: PortSpec, netdev: Netdev): Promise<void> {
  const ready = (netdev as Partial<{ ready: Promise<void> }>).ready;
  if (ready === undefined) return;
  try {
    await ready;
  } catch (e) {
    throw new PortTypeError(`port ${spec.number}=${spec.iface}:${spec.type}: ${(e as Error).message}`);
  }
}
