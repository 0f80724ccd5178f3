/**
 * Where tests find their data. Tests run compiled, from dist/spec/, so paths
 * are resolved from the repository root rather than from the test file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (dist/spec/helpers/ is three levels below it). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The project's own copies of test data. */
export const FIXTURES = join(ROOT, 'fixtures');
/** `../shared` beside the checkout: the rig and third-party fixtures. */
export const SHARED = join(ROOT, '..', 'shared');

/**
 * The node flags bin/ofswitchd's first line runs it with
 * (`#!/usr/bin/env -S node FLAGS`), so that tests and benchmarks that start
 * `process.execPath bin/ofswitchd` run the daemon as `bin/ofswitchd` does.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = (() => {
  const first = readFileSync(join(ROOT, 'bin', 'ofswitchd'), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\S*env -S node((?: -\S+)*)\s*$/.exec(first);
  return m === null ? [] : m[1]!.split(' ').filter(Boolean);
})();
