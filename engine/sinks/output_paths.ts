// The output paths (decision log, summary, dead letters), checked before a run reads any input, so
// a path that cannot be written is found at once rather than after the whole replay; and the
// writes that can fail later (a full disk) turned into one line that names the file.
import { accessSync, closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LucentError } from '../../protocol/errors.ts';

export interface OutputPath {
  /** The option that named it, e.g. "--decisions". */
  flag: string;
  path: string | null;
}

/** A system error (ENOSPC, EACCES, ...) as one line that names what was being written. */
export function outputError(what: string, path: string, err: unknown): LucentError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOSPC' ? 'no space left on the device'
    : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied'
    : e.code === 'EISDIR' ? 'is a directory'
    : e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'a part of the path is a file, not a folder'
    : e.code === 'EROFS' ? 'read-only file system'
    : (e.message ?? String(err));
  return new LucentError('ERR_OUTPUT', `cannot write ${what} ${path}: ${why}`, { cause: err });
}

function isDevice(path: string): boolean {
  try {
    const s = statSync(path);
    return !s.isFile() && !s.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Checks that each path can be written: not a directory, its folder exists or can be made, and a
 * file can be created there; no two outputs share a path, and none is one of `inputs` (the run
 * would truncate its own input). Throws a LucentError naming the option and the path.
 */
export function checkOutputPaths(outputs: OutputPath[], inputs: string[] = []): void {
  const seen = new Map<string, string>();
  const ins = new Set(inputs.map((p) => resolve(p)));
  for (const { flag, path } of outputs) {
    if (path === null) continue;
    if (path.length === 0) throw new LucentError('ERR_OUTPUT', `${flag} must name a file`);
    const abs = resolve(path);
    if (ins.has(abs)) throw new LucentError('ERR_OUTPUT', `${flag} ${path} is the input: the run would overwrite it`);
    const device = isDevice(abs); // /dev/null and the like: written in place, may be shared
    const other = seen.get(abs);
    if (other !== undefined && !device) throw new LucentError('ERR_OUTPUT', `${flag} and ${other} name the same file ${path}`);
    seen.set(abs, flag);
    if (device) {
      try { closeSync(openSync(abs, 'a')); } catch (err) { throw outputError(`${flag}`, path, err); }
      continue;
    }
    let st;
    try { st = lstatSync(abs); } catch { st = null; }
    if (st?.isDirectory()) throw new LucentError('ERR_OUTPUT', `cannot write ${flag} ${path}: is a directory`);
    const dir = dirname(abs);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (err as Error).message;
      throw new LucentError('ERR_OUTPUT', `cannot write ${flag} ${path}: its folder ${dirname(path)} cannot be made (${why})`, { cause: err });
    }
    // A file can be made next to it (the summary is written to a temporary file, then renamed),
    // and the file itself, when it is there already, can be written.
    const probe = `${abs}.probe-${process.pid}`;
    try {
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
      if (st !== null) accessSync(abs, constants.W_OK);
    } catch (err) {
      rmSync(probe, { force: true });
      throw outputError(flag, path, err);
    }
  }
}

/**
 * Writes `text` to `path` whole or not at all: to a temporary file next to it, made durable, then
 * renamed over it (a device such as /dev/null is written in place).
 */
export function writeFileAtomic(path: string, text: string, what: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    if (isDevice(path)) {
      writeFileSync(path, text);
      return;
    }
    const tmp = `${path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd); // the rename never points at a file whose data is not on disk yet
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(`${path}.tmp-${process.pid}`, { force: true });
    throw outputError(what, path, err);
  }
}
