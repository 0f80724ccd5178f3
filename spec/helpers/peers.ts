/**
 * Finding and running the real peers (ovs-ofctl, osken-manager, openssl,
 * ovs-vswitchd) from tests and benchmarks, skipping cleanly when one is
 * missing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The path of `cmd` on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out !== '' ? out : undefined;
}

/** The reason to skip a test that needs `cmds`, or false when all are there. */
export function missing(...cmds: string[]): string | false {
  const gone = cmds.filter((c) => which(c) === undefined);
  return gone.length === 0 ? false : `needs ${gone.join(', ')} (apt-get install openvswitch-common python3-os-ken)`;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the switch under test may live in this process). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 10_000, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** ovs-ofctl wants a writable run directory for its control socket. */
export function ovsEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'ovs-ofctl-'));
  return { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir };
}

export interface Pki {
  dir: string;
  caCert: string;
  switchKey: string;
  switchCert: string;
  ctlKey: string;
  ctlCert: string;
  /** A certificate signed by another CA, which must be refused. */
  rogueKey: string;
  rogueCert: string;
}

/** Makes a throwaway CA and certificates with openssl. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'ofswitch-pki-'));
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ca = (name: string) => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${name}-key.pem`), '-out', p(`${name}-cert.pem`), '-days', '2', '-subj', `/CN=${name}`);
  };
  const leaf = (name: string, caName: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${name}-key.pem`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${caName}-cert.pem`), '-CAkey', p(`${caName}-key.pem`), '-CAcreateserial', '-out', p(`${name}-cert.pem`), '-days', '2');
  };
  ca('ca');
  ca('rogue-ca');
  leaf('switch', 'ca');
  leaf('controller', 'ca');
  leaf('rogue', 'rogue-ca');
  writeFileSync(p('README'), 'throwaway test PKI\n');
  return {
    dir,
    caCert: p('ca-cert.pem'),
    switchKey: p('switch-key.pem'),
    switchCert: p('switch-cert.pem'),
    ctlKey: p('controller-key.pem'),
    ctlCert: p('controller-cert.pem'),
    rogueKey: p('rogue-key.pem'),
    rogueCert: p('rogue-cert.pem'),
  };
}
