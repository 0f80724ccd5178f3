/**
 * Files of flows (and groups), as add-flows, replace-flows, diff-flows and
 * add-groups read them: one per line; `#` starts a comment that runs to the
 * end of the line; blank lines are skipped; lines are numbered from 1,
 * counting every line, for messages like `flows.txt:12: unknown keyword
 * foo`. `-` is standard input. There is no line continuation (ovs-ofctl
 * reads `...,\` as a flow ending in a backslash, and so do we).
 *
 * add-flows (and only it, as in ovs-ofctl) lets each line start with the
 * flow_mod command it wants: `add`, `modify`, `modify_strict`, `delete`,
 * `delete_strict`, or any abbreviation of one (`d` is delete, `m` modify);
 * a line without one is an add. The command is the line's first token
 * (up to a comma or white space), matched against the names in that order,
 * so `del` is delete and `delete_s` delete_strict.
 */
import { readFile } from 'node:fs/promises';
import type { FlowCommand } from '../syntax/index.js';
import { CommandError } from './session.js';

/** One line that holds something, with where it came from. */
export interface SourceLine {
  readonly text: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/** Reads a whole stream (standard input). */
async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The file's text; `-` reads standard input. Fails as ovs-ofctl does: "FILE: open failed (REASON)". */
export async function readSource(file: string, stdin: NodeJS.ReadableStream): Promise<string> {
  return (await readSourceBytes(file, stdin)).toString('utf8');
}

/** The file's bytes; `-` reads standard input. */
export async function readSourceBytes(file: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (file === '-') return readStream(stdin);
  try {
    return await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.code === 'EISDIR' ? 'Is a directory' : err.message;
    throw new CommandError(`${file}: open failed (${reason})`);
  }
}

/** The lines that hold something, comments and surrounding white space removed. */
export function meaningfulLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    let s = text.slice(start, end);
    const hash = s.indexOf('#');
    if (hash >= 0) s = s.slice(0, hash);
    s = s.trim();
    if (s !== '') out.push({ text: s, line });
    if (end === text.length) break;
    start = end + 1;
  }
  return out;
}

/** add-flows' line commands, in the order a token is tried against them. */
export const FLOW_PREFIXES: readonly FlowCommand[] = ['add', 'delete', 'delete_strict', 'modify', 'modify_strict'];
/** add-groups' line commands (the last three are OpenFlow 1.5's, refused later). */
export const GROUP_PREFIXES = ['add', 'delete', 'modify', 'add_or_mod', 'insert_bucket', 'remove_bucket'] as const;

/**
 * Splits an optional leading command off a line; see the essay at the top.
 * Without one, the line is the first of `names` (an add).
 */
export function splitCommand<T extends string>(line: string, names: readonly T[]): { command: T; text: string } {
  const s = line.replace(/^[ \t\r\n]+/, '');
  const m = /^[^, \t\r\n]*/.exec(s);
  const token = m ? m[0] : '';
  for (const name of names) {
    if (token.length <= name.length && name.startsWith(token)) return { command: name, text: s.slice(token.length) };
  }
  return { command: names[0]!, text: s };
}
