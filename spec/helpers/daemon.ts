/**
 * Spawning `bin/ofswitchd` for end-to-end tests and benchmarks: waits
 * for its "ofswitchd ready" log line, reads the listener's real port from it
 * (tests listen on port 0), and stops it with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_NODE_FLAGS, ROOT } from './paths.js';

export interface RunningDaemon {
  proc: ChildProcess;
  pid: number;
  /** The first listener's port. */
  port: number;
  ctl: string;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null if killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartDaemonOptions {
  /** Runs the daemon inside this network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** false: no `--listen ptcp:0` (a config file of several bridges gives each its own listeners). */
  addListen?: boolean;
}

export async function startDaemon(args: string[], env: NodeJS.ProcessEnv = {}, readyMs = 10_000, options: StartDaemonOptions = {}): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'ofswitchd-'));
  const ctl = join(dir, 'ofswitchd.ctl');
  const hasListen = args.includes('--listen') || options.addListen === false;
  // Exactly what a user types, `bin/ofswitchd ...` (this node with the flags
  // of the script's first line), through a shell that drops the test
  // runner's NODE_OPTIONS (tap injects its coverage hooks into every child,
  // and they do not load an extensionless ES module main).
  const argv = [join(ROOT, 'bin', 'ofswitchd'), ...(hasListen ? [] : ['--listen', 'ptcp:0:127.0.0.1']), '--ctl', ctl, ...args];
  const shell = ['/bin/sh', '-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, ...DAEMON_NODE_FLAGS, ...argv];
  const cmd = options.netns === undefined ? shell : ['ip', 'netns', 'exec', options.netns, ...shell];
  const proc = spawn(cmd[0]!, cmd.slice(1), {
    env: { PATH: process.env.PATH, OFSWITCH_RUNDIR: dir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    // It reports readiness with an "info" line: a lower --log-level hides it.
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // never leave a daemon behind
      reject(new Error(`ofswitchd not ready after ${readyMs} ms:\n${err}`));
    }, readyMs);
    proc.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      err += text;
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          logs.push(j);
          if (j.msg === 'ofswitchd ready') {
            clearTimeout(timer);
            resolve(j);
          }
        } catch {
          // a partial line; pino writes whole lines, so only at chunk edges
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ofswitchd exited (${code}) before it was ready:\n${err}`));
    });
  });
  const r = await ready;
  const bridges = r.bridges as Array<{ listeners: string[] }>;
  const m = /:(\d+)\)$/.exec(bridges[0]?.listeners[0] ?? '');
  return {
    proc,
    pid: proc.pid!,
    port: m ? Number(m[1]) : 0,
    ctl,
    logs,
    stderr: () => err,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Open file descriptors of a process. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
