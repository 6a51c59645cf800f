// --pid-file and --port-file: how a script finds the simulator it started in the background.
// The pid file is written first thing (so it exists whenever the control API answers); the port
// file once everything listens, in one rename (a reader never sees half of it). Both are removed
// on exit, however the process exits, so a stale file never points at a stopped simulator.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Fleet } from '../fleet.js';

const written = new Set<string>();
let hooked = false;

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  written.add(path);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeRunFiles);
  }
}

export function removeRunFiles(): void {
  for (const path of written) rmSync(path, { force: true });
  written.clear();
}

export function writePidFile(path: string): void {
  writeAtomically(path, `${process.pid}\n`);
}

/** What --port-file holds (and `ollama-sim wait --port-file` reads). */
export interface PortFile {
  pid: number;
  control_url: string | null;
  control_port: number | null;
  servers: Array<{ port: number; url: string }>;
}

/** What the files say of a fleet (a Fleet, or a WorkerFleet of --workers). */
export type RunningFleet = Pick<Fleet, 'controlUrl' | 'ports' | 'urls'>;

export function portFileContent(fleet: RunningFleet): PortFile {
  const controlPort = fleet.controlUrl === null ? null : Number(new URL(fleet.controlUrl).port);
  const urls = fleet.urls;
  return { pid: process.pid, control_url: fleet.controlUrl, control_port: controlPort, servers: fleet.ports.map((port, i) => ({ port, url: urls[i] })) };
}

export function writePortFile(path: string, fleet: RunningFleet): void {
  writeAtomically(path, `${JSON.stringify(portFileContent(fleet))}\n`);
}
