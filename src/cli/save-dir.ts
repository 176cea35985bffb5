/** udp-compare's `--save DIR`, made ready before the first scenario: a path that cannot hold the report fails at once. */
import { UdpkitError, errnoOf } from '../errors.js';
import { show } from '../format/show.js';

/** Why a directory cannot be made or written, in words, where the code alone says little. */
const WHY: Readonly<Record<string, string | undefined>> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file',
  ENOENT: 'no such directory (and it cannot be made here)',
  ENOSPC: 'no space left',
};

/** Levels of missing directories made at most (a path is walked up one level per turn). */
const MAX_DEPTH = 256;

/**
 * Makes `dir` (and any missing parents) and checks that a file can be written in it, before anything is measured.
 * Parents are made one level at a time: Node's recursive `mkdir` loops forever under /proc (`/proc/nosuchdir`).
 * @throws UdpkitError E_CANT_CREATE naming the directory and why
 */
export async function prepareSaveDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const cannot = (why: string, cause?: unknown): UdpkitError =>
    new UdpkitError('E_CANT_CREATE', `cannot save the report to --save ${show(dir)}: ${why}`, cause === undefined ? undefined : { cause, errno: errnoOf(cause) ?? 'EIO' });
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (let depth = 0; ; depth++) {
    if (depth >= MAX_DEPTH) throw cannot(`more than ${MAX_DEPTH} directories would have to be made`);
    try {
      if (!(await fs.stat(at)).isDirectory()) throw cannot(missing.length === 0 ? 'it is a file, not a directory' : `${show(at)} is a file, not a directory`);
      break;
    } catch (error) {
      if (error instanceof UdpkitError) throw error;
      if (errnoOf(error) !== 'ENOENT') throw cannot(WHY[errnoOf(error) ?? ''] ?? String(errnoOf(error)), error);
      missing.unshift(at);
      if (path.dirname(at) === at) throw cannot('no such directory', error);
      at = path.dirname(at);
    }
  }
  const probe = path.join(path.resolve(dir), `.udpkit-write-check-${process.pid}`);
  try {
    for (const missingDir of missing) await fs.mkdir(missingDir);
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (error) {
    throw cannot(WHY[errnoOf(error) ?? ''] ?? String(errnoOf(error)), error);
  }
}
