/**
 * Where tests find their data. Tests run compiled, from dist/spec/, so paths
 * are resolved from the repository root rather than from the test file.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (dist/spec/helpers/ is three levels below it). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The project's own copies of test data. */
export const FIXTURES = join(ROOT, 'fixtures');
/** `../shared` beside the checkout: the rig and third-party fixtures. */
export const SHARED = join(ROOT, '..', 'shared');
