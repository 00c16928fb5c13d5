import fs from 'node:fs';

/** The file's text, or undefined when it cannot be read (gone, never written). */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes through a temporary file and a rename, so a reader (a browser, another command, a SUT
 * polling its crash file) sees the old content or the new, never half of it.
 */
export function writeFileAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
