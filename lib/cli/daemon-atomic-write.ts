/**
 * Replacing a file so that a reader (or a crash) never sees it half
 * written: the new text goes to a temporary file in the same directory
 * (rename is atomic only within one file system), is flushed to disk with
 * fsync, and is renamed over the old name; then the directory is fsynced so
 * the rename itself survives a power cut. The file keeps its permission
 * bits. On any failure the temporary file is removed and the old file is
 * left as it was.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let sequence = 0;

/** The temporary name `writeFileAtomic` uses for `path`: hidden, same directory, unique per process and call. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++sequence}.tmp`);
}

export function writeFileAtomic(path: string, text: string): void {
  let mode: number | undefined;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    // A new file: the usual mode, less the umask.
  }
  const tmp = tempNameFor(path);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      // Exactly the old file's bits: open's mode would be cut by the umask.
      if (mode !== undefined) fchmodSync(fd, mode);
      const data = Buffer.from(text, 'utf8');
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw e;
  }
  syncDir(dirname(path));
}

/** fsync on a directory makes a rename in it durable; some file systems refuse it, which costs only durability. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on file systems without directory fsync.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
