import fs from 'node:fs';
import path from 'node:path';

/** Where to look for a program: the folder a relative path is taken from, and the PATH to search. */
export interface ExecutableLookup {
  /** The folder the program will be started in; a name with a slash is taken relative to it. */
  readonly cwd: string;
  /** The PATH the program will be started with. */
  readonly PATH: string | undefined;
}

export type Resolved = { readonly path: string } | { readonly problem: string };

function executableFile(candidate: string): boolean {
  try {
    if (!fs.statSync(candidate).isFile()) return false;
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a command's program as spawn() will: a name with a slash is a path (relative to the
 * start folder), a bare name is searched for on PATH only, never in the current folder.
 */
export function resolveExecutable(program: string, lookup: ExecutableLookup): Resolved {
  if (program.includes('/')) {
    const full = path.resolve(lookup.cwd, program);
    if (!fs.existsSync(full)) return { problem: `${full} does not exist` };
    if (!executableFile(full)) return { problem: `${full} is not an executable file` };
    return { path: full };
  }
  for (const dir of (lookup.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    if (executableFile(candidate)) return { path: candidate };
  }
  return { problem: `${program} is not on PATH` };
}
