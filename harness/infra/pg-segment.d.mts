/** Removes the shared memory segment a dead server's postmaster.pid names, if unattached and still its own. */
export function removeDeadServerSegment(dataDir: string): boolean;
/** Every folder holding a postmaster.pid, at most `depth` levels below `root`. */
export function dataDirsUnder(root: string, depth?: number): string[];
