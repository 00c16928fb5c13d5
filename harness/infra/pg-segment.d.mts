/** A System V shared memory segment as the kernel lists it. */
export interface SharedSegment {
  readonly key: number;
  readonly shmid: number;
  readonly creator: number;
  readonly attached: number;
}
/** Every System V segment (empty where the kernel's table cannot be read). */
export function sharedSegments(): SharedSegment[];
/** The postmaster's pid and its segment's key and id, from a data directory's postmaster.pid. */
export function postmasterSegment(dataDir: string): { postmaster: number; key: number; shmid: number } | undefined;
/** Removes the shared memory segment a dead server's postmaster.pid names, if still its own. */
export function removeDeadServerSegment(dataDir: string): boolean;
/** Every folder holding a postmaster.pid, at most `depth` levels below `root`. */
export function dataDirsUnder(root: string, depth?: number): string[];
