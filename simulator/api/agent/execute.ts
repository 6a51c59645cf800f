// POST /execute of a server in node-agent mode: the hub's job, validated as seed 002's agent does,
// run as the agent runs it (POST /api/generate on its own Ollama: model, prompt, options, stream),
// through the same generation pipeline, so behaviors, timing and the journal apply. The answer is
// Ollama's (NDJSON when streamed, one JSON object otherwise). Ollama's errors come back relayed as
// the agent relays them: 502 with `{"detail": "Ollama error: ..."}` (the `agent` envelope).
import { generateRoute } from '../native/generate.js';
import type { RouteContext, RouteDef } from '../route.js';
import { JobRejected, parseJob } from './job.js';

async function handleExecute(ctx: RouteContext): Promise<void> {
  const { ex, server, body } = ctx;
  let job;
  try {
    job = parseJob(body);
  } catch (e) {
    if (!(e instanceof JobRejected)) throw e;
    return ex.send(422, { 'Content-Type': 'application/json' }, JSON.stringify({ detail: e.problems }));
  }
  const generate = { model: job.model, prompt: job.prompt, stream: job.stream, options: job.options };
  server.activeJobs++;
  ex.res.once('close', () => server.activeJobs--);
  await generateRoute.handle({ ...ctx, body: JSON.stringify(generate), parsed: generate });
}

export const executeRoute: RouteDef = {
  method: 'POST',
  path: '/execute',
  envelope: 'agent',
  handle: handleExecute,
};

/** The routes only a server in node-agent mode answers. */
export const AGENT_ROUTES: RouteDef[] = [executeRoute];
