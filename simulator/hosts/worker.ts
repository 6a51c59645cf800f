// A worker thread's side of --workers: a fleet of its own (no control port) whose record ids and
// ordinals are the fleet-wide ones, steered by its own control app, which answers the control
// requests the control thread forwards (hosts/control.ts decides which reach which worker).
import { parentPort, workerData } from 'node:worker_threads';
import { buildControlApp } from '../control/app.js';
import { liveOf } from '../control/endpoints/events.js';
import { Fleet } from '../fleet.js';
import type { HeartbeatRecord, JournalRecord } from '../journal/record.js';
import { sharedIds } from './ids.js';
import { sendError, type Call, type ControlAnswer, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const fleet = new Fleet({ host: init.host, seed: init.seed, defaults: init.defaults, controlPort: null, ids: sharedIds(init.ids) });
// Unguarded: the control thread's app checked Host and Origin before forwarding.
const app = buildControlApp(fleet, { guard: false });

const send = (m: FromWorker) => port.postMessage(m);
const onRecord = (record: JournalRecord) => send({ kind: 'record', record });
const onHeartbeat = (record: HeartbeatRecord) => send({ kind: 'heartbeat', record });

async function start(entries: Extract<Call, { op: 'start' }>['entries']): Promise<null> {
  // As startFleet: bind in parallel; the control thread stops every worker if one entry failed.
  const started = await Promise.allSettled(entries.map((e) => fleet.addServer(e.settings, e.ordinal)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return null;
}

async function control(call: Extract<Call, { op: 'control' }>): Promise<ControlAnswer> {
  const { method, path, headers, body } = call.request;
  const res = await app.request(path, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

function run(call: Call): Promise<unknown> {
  switch (call.op) {
    case 'start': return start(call.entries);
    case 'control': return control(call);
    case 'live': return Promise.resolve(liveOf(fleet, call.since));
    case 'stop': return fleet.stop().then(() => null);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'subscribe') {
    fleet.off('record', onRecord).off('heartbeat', onHeartbeat);
    if (m.records) fleet.on('record', onRecord).on('heartbeat', onHeartbeat);
    return;
  }
  run(m.call).then(
    (result) => send({ kind: 'reply', id: m.id, ports: fleet.ports, result }),
    (e: unknown) => send({ kind: 'reply', id: m.id, ports: fleet.ports, error: sendError(e) }),
  );
});
