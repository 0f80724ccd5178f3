/**
 * How a benchmark hands its headline figures to `bench/run-all` (the
 * summary table that the README's performance table comes from), besides
 * printing them its own way for people.
 *
 * One line per benchmark on stdout: the marker, a space, and JSON. run-all
 * reads every such line of every bench it runs; a bench run alone prints it
 * too (one line, easy to ignore). A figure with no peer figure (no peer on
 * this machine, or none that can be measured) has `peer: null`.
 */

export const HEADLINE_MARKER = '@@bench-headline';

export interface Headline {
  /** What was measured, e.g. "64-byte UDP through 1 flow". */
  readonly name: string;
  readonly unit: string;
  /** Our figure. */
  readonly ours: number;
  /** The peer's figure from the same run, or null. */
  readonly peer: number | null;
  /** Who the peer is, e.g. "OVS userspace", "os-ken", "ovs-ofctl". */
  readonly peerName: string;
  /** Which way is better: the ratio is printed as ours/peer either way. */
  readonly better: 'higher' | 'lower';
}

export interface HeadlineReport {
  readonly bench: string;
  readonly figures: readonly Headline[];
  /** Anything the table should carry along (versions of the peer, notes). */
  readonly notes?: readonly string[];
}

/** Prints the bench's headline figures for run-all. */
export function reportHeadline(bench: string, figures: readonly Headline[], notes?: readonly string[]): void {
  const report: HeadlineReport = notes && notes.length ? { bench, figures, notes } : { bench, figures };
  console.log(`${HEADLINE_MARKER} ${JSON.stringify(report)}`);
}

/** Parses one stdout line; null if it is not a headline line. */
export function parseHeadline(line: string): HeadlineReport | null {
  if (!line.startsWith(HEADLINE_MARKER + ' ')) return null;
  try {
    const r = JSON.parse(line.slice(HEADLINE_MARKER.length + 1)) as HeadlineReport;
    return typeof r.bench === 'string' && Array.isArray(r.figures) ? r : null;
  } catch {
    return null;
  }
}

/** Three significant digits, thousands separated. */
function num(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

/** How many times better ours is (>1) or worse (<1), whichever way "better" points; '-' without a peer figure. */
export function advantage(f: Headline): string {
  if (f.peer === null || !(f.peer > 0) || !(f.ours > 0)) return '-';
  const a = f.better === 'higher' ? f.ours / f.peer : f.peer / f.ours;
  return `${a.toFixed(2)}x`;
}

/** The markdown table run-all ends with (and the README's performance table). */
export function summaryTable(reports: readonly HeadlineReport[], host: string): string {
  const out = [
    `Measured by \`npm run bench\` on ${host}; each peer figure comes from the same run.`,
    "The last column is ofswitch's advantage over the peer (above 1: ofswitch is better, whichever way the unit counts).",
    '',
    '| bench | figure | unit | ofswitch | peer | peer figure | ofswitch vs peer |',
    '| --- | --- | --- | ---: | --- | ---: | ---: |',
  ];
  for (const r of reports) {
    for (const f of r.figures) {
      const unit = `${f.unit} (${f.better} is better)`;
      out.push(`| ${r.bench} | ${f.name} | ${unit} | ${num(f.ours)} | ${f.peerName || '-'} | ${num(f.peer)} | ${advantage(f)} |`);
    }
  }
  const notes = reports.flatMap((r) => (r.notes ?? []).map((n) => `${r.bench}: ${n}`));
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}
