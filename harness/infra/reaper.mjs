// The reaper outlives a harness that dies without running its own cleanup (SIGKILL, OOM).
// It reads registrations as JSON lines on stdin; when stdin closes, its parent is gone, and
// it kills every process group and removes every folder still registered, and the shared memory
// of any PostgreSQL server whose data lives in one of them.
// Plain JavaScript on purpose: it must start in milliseconds and need no loader.
import fs from 'node:fs';
import { removeDockerByLabel } from './docker-remove.mjs';
import { dataDirsUnder, removeDeadServerSegment } from './pg-segment.mjs';

const groups = new Set();
const dirs = new Set();
const dockerLabels = new Map();
let pending = '';

function apply(msg) {
  if (msg.op === 'group') groups.add(msg.pid);
  else if (msg.op === 'ungroup') groups.delete(msg.pid);
  else if (msg.op === 'dir') dirs.add(msg.path);
  else if (msg.op === 'undir') dirs.delete(msg.path);
  else if (msg.op === 'docker') dockerLabels.set(msg.label, msg.cli);
  else if (msg.op === 'undocker') dockerLabels.delete(msg.label);
}

function reap() {
  for (const [label, cli] of dockerLabels) removeDockerByLabel(label, cli);
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Give killed processes a moment to release files before removing their folders.
  setTimeout(
    () => {
      for (const dir of dirs) {
        // The servers were killed with -9, so their segments outlive them unless removed here.
        for (const data of dataDirsUnder(dir)) removeDeadServerSegment(data);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      process.exit(0);
    },
    groups.size > 0 ? 300 : 0,
  );
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.trim()) apply(JSON.parse(line));
  }
});
process.stdin.on('close', reap);
process.stdin.on('error', reap);
// The reaper must not be stopped by the Ctrl-C meant for its parent.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
