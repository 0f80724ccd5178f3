/**
 * `tap` ports: a TAP device this process creates (or attaches to, if a
 * persistent one by that name exists), whose other side is the host's
 * network stack; and `internal` ports, the bridge's LOCAL port, which are
 * the same thing named after the bridge.
 *
 * The device is created without offloads (native/tap.cc), so the kernel
 * hands us complete, unsegmented frames. It is created down, like Open
 * vSwitch's internal ports: the host brings it up and addresses it. It is
 * deleted when the port closes.
 */
import { NativeNetdev, type NativeNetdevOptions } from './native-netdev.js';
import { ETH_ZLEN } from './system.js';

export interface TapNetdevOptions extends NativeNetdevOptions {
  /** "tap" (default) or "internal" for a bridge's LOCAL port. */
  type?: 'tap' | 'internal';
}

export class TapNetdev extends NativeNetdev {
  readonly type: 'tap' | 'internal';
  /** Shorter frames are written padded with zeros to this length, as a NIC would have received them (native/tap.cc). */
  readonly txMinFrame = ETH_ZLEN;

  /** Creates TAP device `name` (a pattern such as "tap%d" lets the kernel pick; `name` tells which). */
  constructor(name: string, options: TapNetdevOptions = {}) {
    super({ kind: 'tap', name }, options);
    this.type = options.type ?? 'tap';
  }
}

/** The bridge's LOCAL port: a TAP device named after the bridge. */
export function openInternalNetdev(bridge: string, options: NativeNetdevOptions = {}): TapNetdev {
  return new TapNetdev(bridge, { ...options, type: 'internal' });
}
