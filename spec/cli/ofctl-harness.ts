/**
 * The differential harness for ofctl: the same command lines run through
 * `ovs-ofctl -O OpenFlow13` and through `node bin/ofctl` against the same
 * switch, from the same starting state, and what each printed, its exit
 * status and the state it left compared.
 *
 * A case is a list of steps (command lines with `SW` for the switch and
 * `@name` for one of the case's files, optionally fed stdin), after a setup
 * that ovs-ofctl runs for both tools. Before each tool's run the switch is
 * emptied (flows, groups, meters), and after it its state is read back with
 * ovs-ofctl, so both tools are judged by the same reader.
 *
 * What is masked before comparing, and why:
 * - durations and ages (`duration=1.234s`, `duration:1.2s`,
 *   `duration1.033s`, `idle_age`, `hard_age`): time passes between runs;
 * - the program name in messages ("ovs-ofctl: " / "ofctl: ");
 * - Open vSwitch's log lines on stderr (`...|ofp_actions|INFO|...`) and our
 *   warnings ("ofctl: warning: ..."): both are commentary, not output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { ROOT } from '../helpers/paths.js';
import { startDaemon } from '../helpers/daemon.js';

export interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Tool {
  readonly name: string;
  /** Runs the tool; `prefix` (such as `ip netns exec NS`) goes before it. */
  run(args: readonly string[], input?: string, prefix?: readonly string[]): Promise<ToolResult>;
}

function exec(argv: readonly string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(argv[0]!, argv.slice(1), { env, timeout: timeoutMs, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ status: code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined); // a tool that never reads stdin may be gone already
    child.stdin?.end(input ?? '');
  });
}

/** ovs-ofctl, speaking OpenFlow 1.3. */
export function ovsOfctl(env: NodeJS.ProcessEnv): Tool {
  return { name: 'ovs-ofctl', run: (args, input, prefix = []) => exec([...prefix, 'ovs-ofctl', '-O', 'OpenFlow13', ...args], env, input) };
}

/**
 * `node bin/ofctl`, exactly as a user runs it. Through a shell that drops
 * NODE_OPTIONS: the test runner's hooks do not load an extensionless ES
 * module main.
 */
export function ofctl(env: NodeJS.ProcessEnv): Tool {
  const bin = join(ROOT, 'bin', 'ofctl');
  return {
    name: 'ofctl',
    run: (args, input, prefix = []) =>
      exec([...prefix, '/bin/sh', '-c', 'unset NODE_OPTIONS; exec "$0" "$@"', process.execPath, bin, '-O', 'OpenFlow13', ...args], env, input),
  };
}

/** Durations and ages, which differ from run to run. */
export function maskTimes(text: string): string {
  return text
    .replace(/duration=\d+(\.\d+)?s/g, 'duration=?s')
    .replace(/duration:\d+(\.\d+)?s/g, 'duration:?s')
    .replace(/ duration\d+(\.\d+)?s/g, ' duration?s')
    .replace(/idle_age=\d+/g, 'idle_age=?')
    .replace(/hard_age=\d+/g, 'hard_age=?');
}

/** stdout as compared. */
export function comparableStdout(text: string): string[] {
  return maskTimes(text).split('\n');
}

/** stderr as compared: no log lines or warnings, no program name. */
export function comparableStderr(text: string): string[] {
  return maskTimes(text)
    .split('\n')
    .filter((l) => !/^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d+\|/.test(l) && !/^[a-z_]+\|(DBG|INFO|WARN|ERR|EMER)\|/.test(l) && !/^ofctl: warning: /.test(l))
    .map((l) => l.replace(/^(ovs-)?ofctl: /, ''));
}

export interface Step {
  /** Arguments after `-O OpenFlow13`; `SW` is the switch, `@name` a case file's path. */
  readonly args: readonly string[];
  readonly input?: string;
}

export interface DiffCase {
  readonly name: string;
  /** Files the steps refer to as `@name`. */
  readonly files?: Readonly<Record<string, string>>;
  /** Run with ovs-ofctl before each tool's steps; their output is not compared. */
  readonly setup?: readonly Step[];
  readonly steps: readonly Step[];
  /** Compare these steps' stdout as sorted lines (the switch's order is not the tool's doing). */
  readonly unordered?: boolean;
  /** Why this case is expected to differ (the difference is then reported, not failed). */
  readonly knownDifference?: string;
}

export interface Target {
  readonly name: string;
  /** The SWITCH argument. */
  readonly sw: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where the switch is reachable only from a network namespace: the command prefix that enters it. */
  readonly prefix?: readonly string[];
}

export interface StepOutcome {
  readonly args: string;
  readonly status: number | null;
  readonly stdout: string[];
  readonly stderr: string[];
}

export interface CaseOutcome {
  readonly steps: StepOutcome[];
  /** The switch's flows, groups and meters afterwards, as ovs-ofctl prints them (sorted). */
  readonly state: string[];
}

/** Parses a command line written as one string: words split on spaces, 'single quotes' kept together. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2]!);
  return out;
}

export function step(line: string, input?: string): Step {
  return input === undefined ? { args: words(line) } : { args: words(line), input };
}

async function reset(target: Target): Promise<void> {
  const ovs = ovsOfctl(target.env);
  for (const cmd of ['del-flows', 'del-groups', 'del-meters']) {
    const r = await ovs.run([cmd, target.sw], undefined, target.prefix);
    if (r.status !== 0) throw new Error(`${target.name}: ${cmd} failed: ${r.stderr}`);
  }
}

async function snapshot(target: Target): Promise<string[]> {
  const ovs = ovsOfctl(target.env);
  const lines: string[] = [];
  for (const cmd of [['--no-stats', 'dump-flows'], ['dump-groups'], ['dump-meters']]) {
    const r = await ovs.run([...cmd, target.sw], undefined, target.prefix);
    lines.push(`${cmd.join(' ')}: status ${r.status}`, ...r.stdout.split('\n').filter((l) => !/ reply \(OF1\.3\)/.test(l)).sort());
  }
  return lines;
}

/** Runs one case with one tool against one target. */
export async function runCase(target: Target, tool: Tool, c: DiffCase): Promise<CaseOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'ofctl-case-'));
  const files = new Map<string, string>();
  for (const [name, text] of Object.entries(c.files ?? {})) {
    const path = join(dir, name);
    writeFileSync(path, text);
    files.set(name, path);
  }
  try {
    return await runSteps(target, tool, c, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runSteps(target: Target, tool: Tool, c: DiffCase, files: ReadonlyMap<string, string>): Promise<CaseOutcome> {
  const expand = (args: readonly string[]): string[] =>
    args.map((a) => (a === 'SW' ? target.sw : a.startsWith('@') && files.has(a.slice(1)) ? files.get(a.slice(1))! : a));
  await reset(target);
  const ovs = ovsOfctl(target.env);
  for (const s of c.setup ?? []) {
    const r = await ovs.run(expand(s.args), s.input, target.prefix);
    if (r.status !== 0) throw new Error(`${target.name}: setup ${s.args.join(' ')} failed: ${r.stderr}`);
  }
  const steps: StepOutcome[] = [];
  for (const s of c.steps) {
    const r = await tool.run(expand(s.args), s.input, target.prefix);
    // Paths of case files differ between runs; name them as the case does.
    let out = r.stdout;
    let err = r.stderr;
    for (const [name, path] of files) {
      out = out.split(path).join(`@${name}`);
      err = err.split(path).join(`@${name}`);
    }
    err = err.split(target.sw).join('SW');
    let stdout = comparableStdout(out);
    if (c.unordered) stdout = stdout.sort();
    steps.push({ args: s.args.join(' '), status: r.status, stdout, stderr: comparableStderr(err) });
  }
  return { steps, state: await snapshot(target) };
}

/** Compares two outcomes step by step, so a failure names the command line. */
export function compareOutcomes(t: Test, c: DiffCase, theirs: CaseOutcome, ours: CaseOutcome): void {
  const differences: string[] = [];
  theirs.steps.forEach((a, i) => {
    const b = ours.steps[i]!;
    if (a.status !== b.status) differences.push(`${a.args}: exit ${a.status} (ovs-ofctl) vs ${b.status} (ofctl)`);
    if (JSON.stringify(a.stdout) !== JSON.stringify(b.stdout)) differences.push(`${a.args}: stdout differs`);
    if (JSON.stringify(a.stderr) !== JSON.stringify(b.stderr)) differences.push(`${a.args}: stderr differs`);
  });
  if (JSON.stringify(theirs.state) !== JSON.stringify(ours.state)) differences.push('the switch state afterwards differs');
  if (c.knownDifference) {
    t.comment(`known difference: ${c.knownDifference}`);
    if (differences.length) t.comment(differences.join('\n'));
    t.pass(`${c.name}: ${differences.length ? 'differs as documented' : 'no difference this time'}`);
    return;
  }
  theirs.steps.forEach((a, i) => {
    const b = ours.steps[i]!;
    t.equal(b.status, a.status, `${a.args}: exit status`);
    t.same(b.stdout, a.stdout, `${a.args}: stdout`);
    t.same(b.stderr, a.stderr, `${a.args}: stderr`);
  });
  t.same(ours.state, theirs.state, `${c.name}: switch state afterwards`);
}

/** OFCTL_CASES=REGEX runs only the cases whose names match (for debugging). */
export function selectedCases(cases: readonly DiffCase[]): DiffCase[] {
  const only = process.env.OFCTL_CASES ? new RegExp(process.env.OFCTL_CASES) : undefined;
  return cases.filter((c) => only === undefined || only.test(c.name));
}

/** Runs `cases` through ovs-ofctl and ofctl against `target`, one subtest each. */
export async function runDifferential(t: Test, target: Target, cases: readonly DiffCase[]): Promise<void> {
  const theirs = ovsOfctl(target.env);
  const ours = ofctl(target.env);
  for (const c of cases) {
    await t.test(`${c.name} (${target.name})`, async (t) => {
      const a = await runCase(target, theirs, c);
      const b = await runCase(target, ours, c);
      compareOutcomes(t, c, a, b);
    });
  }
}

/** Runs `cases` against a fresh ofswitchd (three dummy ports, reached over TCP). */
export async function runAgainstOfswitchd(t: Test, cases: readonly DiffCase[]): Promise<void> {
  const d = await startDaemon([
    '--port', '1=p1:dummy', '--port', '2=p2:dummy', '--port', '3=p3:dummy',
    '--fail-mode', 'secure', '--dpid', '0000000000000001',
    // Nobody listens on port 1: the daemon keeps retrying, and no controller ever changes its tables.
    '--controller', 'tcp:127.0.0.1:1',
  ]);
  t.teardown(() => d.stop());
  await runDifferential(t, { name: 'ofswitchd', sw: `tcp:127.0.0.1:${d.port}`, env: process.env }, cases);
}
