// A job's execution. With `simulate`, dummyLLM's script (simulate.ts). Without it, the server runs
// the chat in `args` the way it runs POST /api/chat: the server's behavior decides first (matched as
// a POST /api/chat for args.model), then the generation pipeline of api/generation.ts attaches to
// the model, waits for a slot (the job is `queued` until it gets one), evaluates the prompt and
// paces the tokens; only the delivery differs: pieces go to the job's result, not to a response.
// What a behavior's effect or cut means for a job is decided here (README: "Behaviors and jobs").
import { generate, holdRunner, type Delivery, type RunnerClient } from '../api/generation.js';
import { ApiError } from '../api/errors.js';
import { chatNotFound } from '../api/native/chat.js';
import { chatPromptTokens } from '../api/native/prompt.js';
import { replySeed, resolveModel, resolveThink } from '../api/request-fields.js';
import type { Effect } from '../behaviors/types.js';
import { DEFAULT_MESSAGE as INBAND_DEFAULT_MESSAGE } from '../cuts/in-band-error.js';
import type { Cut, CutName } from '../cuts/registry.js';
import { sleep } from '../engine/clock.js';
import { rngFromSeed } from '../engine/random.js';
import { planReply } from '../engine/reply.js';
import { tokenize } from '../engine/tokenizer.js';
import type { JournalRecord } from '../journal/record.js';
import type { JournalWriter } from '../journal/writer.js';
import type { SimServer } from '../server.js';
import type { Job } from './job.js';
import { runSimulated } from './simulate.js';

/** Behaviors match a job's execution as the request it is: a chat on the server. */
export const EXECUTION_PATH = '/api/chat';

type ServeEffect = Extract<Effect, { kind: 'serve' }>;

/** Starts the job's execution; it ends in one of the job's final states (an internal error fails it). */
export function startJob(server: SimServer, job: Job): void {
  const sim = job.request.simulate;
  const run = sim ? runSimulated(server, job, sim) : runOnModel(server, job);
  run.catch((e: Error) => {
    console.error(`ollama-sim ${server.url}: job ${job.id}:`, e);
    job.fail(`internal error: ${e.message}`, null);
  });
}

/** The job as the runner's client: its signal aborts when the job ends (cancel, timeout, server reset). */
class JobRun implements RunnerClient {
  held = false;
  readonly journal: JournalWriter;
  readonly record: JournalRecord;
  readonly arrived: number;

  constructor(
    readonly server: SimServer,
    readonly job: Job,
    readonly effect: ServeEffect,
  ) {
    this.journal = server.journal;
    this.record = job.record;
    this.arrived = job.arrived;
  }

  get signal(): AbortSignal {
    return this.job.signal;
  }

  get closed(): boolean {
    return this.job.finished;
  }
}

type CutOutcome = { fail: string } | { stall: number | undefined };

/**
 * What each wire action means to a job, after `tokens` were generated: every cut that breaks the
 * response fails the job (SIM_FAIL, this message; the journal's fault is the cut's name); a stall
 * keeps it running, holding its slot, until it is cancelled or times out (or, with a close after
 * silence, fails then). A new cut does not compile until it has a line here.
 */
const ON_CUT: { [N in CutName]: (cut: Extract<Cut, { action: N }>, tokens: number) => CutOutcome } = {
  fin: (_c, t) => ({ fail: `the connection closed after ${t} tokens` }),
  reset: (_c, t) => ({ fail: `the connection was reset after ${t} tokens` }),
  stall: (c) => ({ stall: c.stallMs }),
  inband_error: (c) => ({ fail: c.message ?? INBAND_DEFAULT_MESSAGE }),
  truncate: (_c, t) => ({ fail: `the response ended after ${t} tokens without its final chunk` }),
  malformed_json: (_c, t) => ({ fail: `the response had a malformed JSON chunk after ${t} tokens` }),
  malformed_framing: (_c, t) => ({ fail: `the response broke HTTP chunked framing after ${t} tokens` }),
  short_content_length: (_c, t) => ({ fail: `the response was shorter than its declared length after ${t} tokens` }),
};

/** Takes the behavior's cut on the job; the generation stops there. */
function takeCut(run: JobRun, cut: Cut): false {
  const { job } = run;
  const outcome = (ON_CUT[cut.action] as (c: Cut, tokens: number) => CutOutcome)(cut, job.generated);
  if ('fail' in outcome) {
    job.fail(outcome.fail, cut.action);
    return false;
  }
  run.held = true; // a frozen runner keeps its slot until the job ends
  const ms = outcome.stall;
  if (ms !== undefined) void sleep(ms, job.signal).then((due) => due && job.fail(`the connection closed after ${job.generated} tokens and ${ms} ms of silence`, 'stall'));
  return false;
}

/** Pieces go to the job's result text (thinking is counted, not kept); the cut where it is due. */
function jobDelivery(run: JobRun): Delivery {
  const { job } = run;
  const cut = run.effect.cut;
  let text = '';
  return {
    piece: (piece, i) => {
      if (cut?.afterTokens === i) return takeCut(run, cut);
      if (piece.kind === 'content') text += piece.text;
      job.generated += piece.tokens;
      return true;
    },
    final: (outcome) => {
      // A cut due at the final chunk, or after N body bytes (a job has no body: at its end).
      if (cut && (cut.afterTokens !== undefined || cut.afterBytes !== undefined)) return void takeCut(run, cut);
      job.succeed({ text, usage: { prompt_tokens: outcome.stats.promptEvalCount, completion_tokens: outcome.stats.evalCount } });
    },
  };
}

async function runOnModel(server: SimServer, job: Job): Promise<void> {
  const { args } = job.request;
  const applied = server.behavior.forRequest({ port: server.port, serverKey: server.drawKey, method: 'POST', path: EXECUTION_PATH, model: args.model, seed: server.fleet.seed });
  server.journal.behavior(job.record, applied.spec.type);
  const effect = applied.effect;
  switch (effect.kind) {
    case 'serve':
      if (effect.headerDelayMs && !(await sleep(effect.headerDelayMs, job.signal))) return;
      return runChat(new JobRun(server, job, effect));
    case 'error':
      job.fail(effect.message, 'http_error');
      return;
    case 'model_not_found':
      job.fail(chatNotFound(effect.model ?? args.model ?? ''), 'http_error');
      return;
    case 'custom':
      if (!(await sleep(effect.delayMs, job.signal))) return;
      if (effect.status >= 400) job.fail(effect.body || `HTTP ${effect.status}`, 'custom');
      else if (job.start()) job.succeed({ text: effect.body, usage: { prompt_tokens: 0, completion_tokens: tokenize(effect.body).length } });
      return;
    case 'hang':
      job.start(); // running, never answered, until cancelled or timed out
      return;
    case 'cut':
      takeCut(new JobRun(server, job, { kind: 'serve' }), effect.cut);
  }
}

/** The chat of `args` on the server's pipeline: the same words /api/chat answers for these messages. */
async function runChat(run: JobRun): Promise<void> {
  const { server, job } = run;
  const { args } = job.request;
  let model;
  try {
    model = resolveModel(server, args.model ?? '', chatNotFound);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    job.fail(e.message, 'http_error');
    return;
  }
  if (!model.spec.capabilities.includes('completion')) {
    job.fail(`${JSON.stringify(args.model)} does not support chat`, 'http_error');
    return;
  }
  const promptTokens = chatPromptTokens(args.messages);
  const think = resolveThink(model, undefined);
  const reply = planReply(rngFromSeed(replySeed(server, model.key, promptTokens, null, think)), {
    numTokens: run.effect.timing?.numTokens ?? server.settings.num_tokens,
    numPredict: args.numPredict,
    think,
    callTool: false,
  });
  const generation = { modelKey: model.key, spec: model.spec, promptTokens, reply, stream: false };
  const refused = await holdRunner(run, model.key, model.spec, undefined, async (loadMs, slotAt) => {
    if (job.start()) await generate(run, generation, loadMs, slotAt, jobDelivery(run));
  });
  if (refused) job.fail(refused.message, 'busy');
}
