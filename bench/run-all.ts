/**
 * `npm run bench`: runs every benchmark in bench/ one after another (never
 * in parallel: they measure one core each and would disturb each other),
 * shows what each prints as it prints it, and ends with one markdown table
 * of every bench's headline figures beside its peer's from the same run
 * (Open vSwitch, ovs-ofctl, os-ken, ...), with the machine it ran on: the
 * README's performance table is that table.
 *
 * `npm run bench -- forward datapath` runs only the benches named.
 *
 * A benchmark is any compiled `bench/*.js` other than this file; each one
 * prints its own figures beside its peer's, and one headline line for this
 * table (bench/lib/headline.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseHeadline, summaryTable, type HeadlineReport } from './lib/headline.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run-all.js')
  .map((f) => f.slice(0, -3))
  .sort();
const only = process.argv.slice(2).map((a) => a.replace(/^(dist\/)?bench\//, '').replace(/\.(ts|js)$/, ''));
const unknown = only.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`no such bench: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
const benches = only.length ? all.filter((n) => only.includes(n)) : all;

function version(argv: string[], re: RegExp): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'not installed';
}

function machine(): string {
  const cpu = cpus();
  const ovs = version(['ovs-vswitchd', '--version'], /Open vSwitch\)\s+(\S+)/);
  const osken = version(['/usr/bin/python3', '-c', 'import os_ken; print(os_ken.__version__)'], /^(\S+)/);
  return (
    `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `Linux ${release()}, Node.js ${process.version}, Open vSwitch ${ovs}, os-ken ${osken}`
  );
}

/** Runs one bench, echoing its output, and returns its headline report (if it printed one). */
function runBench(name: string): Promise<{ status: number | string; report: HeadlineReport | null }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--expose-gc', join(here, `${name}.js`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let report: HeadlineReport | null = null;
    let partial = '';
    c.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const r = parseHeadline(line);
        if (r) report = r;
        else console.log(line);
      }
    });
    c.on('close', (code, signal) => {
      if (partial) {
        const r = parseHeadline(partial);
        if (r) report = r;
        else console.log(partial);
      }
      resolve({ status: code ?? signal ?? 'unknown', report });
    });
  });
}

const host = machine();
console.log(`machine: ${host}`);
let failed = 0;
const reports: HeadlineReport[] = [];
const missing: string[] = [];
for (const name of benches) {
  console.log(`\n== bench/${name}`);
  const { status, report } = await runBench(name);
  if (status !== 0) {
    failed++;
    console.log(`bench/${name} exited with ${status}`);
  }
  if (report && report.figures.length) reports.push(report);
  else missing.push(name);
}
console.log(`\n== summary\n\n${summaryTable(reports, host)}`);
if (missing.length) console.log(`\n(no headline figures from: ${missing.join(', ')} — skipped or failed, see above)`);
process.exit(failed ? 1 : 0);
