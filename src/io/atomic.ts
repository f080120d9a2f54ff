import { promises as fsp } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temporary path beside `path` (same directory, so the final rename is atomic). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file atomically: the data goes to a temporary file in the same directory, is flushed,
 * then renamed over `path`. A crash leaves either the old file or the new one, never a mix.
 * `write` receives an open file handle and may write in pieces (large files).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | ((handle: fsp.FileHandle) => Promise<void>),
): Promise<void> {
  const tmp = temporaryPathFor(path);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    if (typeof data === 'function') await data(handle);
    else await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
