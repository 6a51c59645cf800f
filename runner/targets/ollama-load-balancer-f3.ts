// The F3 fork of ollama_load_balancer (Jerry-Terrasse/ollama_load_balancer 2.x), as built by
// scripts/build-rust-lbs.sh from vendor/rust-lbs/ollama-load-balancer-f3. Everything below is read
// from its source (src/config.rs Args, src/handler.rs dispatch, src/state.rs, src/backend.rs):
// `-l/--listen ADDR`, `-s/--servers URL=NAME` repeated or `--server-file FILE`, `--timeout S`
// (connect timeout, and the read timeout of /api/tags, /api/ps, /api/show; default 1),
// `--timeout-ft S` (the read timeout of /api/chat; default 10), `--time-measure S` (default 2).
// dispatch answers `/` itself, /api/tags from its cached model lists, /api/generate with a stub,
// /api/show from the first backend that answers, /api/chat by racing, and every other path with 501.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { helpText, lbBinUnavailable, wholeSeconds } from '../executables.js';
import type { Target, Traits } from '../types.js';

const NEEDS_BIN = 'pass --lb-bin PATH to the ollama_load_balancer F3 fork binary (scripts/build-rust-lbs.sh builds it as ollama-load-balancer-f3)';

export const TRAITS: Traits = {
  // handle_chat_parallel sends the request to every selected backend at once (tokio::spawn per
  // server, future::join_all) and never sends it again: a failure is masked only by another racer.
  // (handle_request_ha does retry /api/show sequentially, but the scenarios judge /api/chat.)
  retriesBeforeFirstByte: false,
  // ServerState.busy is never set: nothing limits requests per backend, so they wait in the backend's queue.
  whenAllBusy: 'queue',
  // select_servers: "servers that are alive but do not have the target model are NEVER selected"
  // (snap.models.contains_key(&model), the lists from each backend's /api/tags).
  modelAware: true,
  // handle_tags answers with the union of the model lists sync_server fetched from every backend.
  aggregatesTags: true,
  // handle_chat_parallel: one tokio::spawn(send_request_monitored) per selected backend, the most bytes wins.
  racesRequests: true,
  // It does cancel its losers, late: `future::join_all(tasks).await` (src/handler.rs:199) waits until
  // every racer's send_request_monitored has read its --time-measure window (2 s after its first
  // chunk, ended by the first chunk after it, src/backend.rs) or its whole answer, then
  // `ok_results.into_iter()...max_by_key(|(perf, _, _)| perf.duration_tokens)` (handler.rs:233-239)
  // keeps the racer with the most bytes and drops the others' RepackedResponse, whose stream holds
  // the upstream body: hyper closes those connections (the journal shows client_aborted). So a loser
  // runs on until the last racer's window has closed (about 2 s past the first tokens), and one whose
  // answer fits in its window runs to its end: race-losers-cancelled and one-request-one-generation
  // judge it as the canceller it is, and fail on how late it cancels.
  cancelsRaceLosers: true,
  // Health values: sync_server sets Healthy(1.0), mark_server_more_healthy adds 4 (fastest) or 2,
  // mark_server_less_healthy halves and declares Dead below 1.0; select_servers resurrects Dead ones
  // (resurrect_p 0.1, or when fewer than 3 are alive).
  healthStates: true,
  // --timeout-ft is reqwest's read_timeout in send_request_monitored (re-implemented for reqwest 0.11
  // by 03-read-timeout.patch): a deadline for the response head, then for every body read.
  inactivityTimeout: true,
  // The winner's stream is the client's hyper Body (Body::wrap_stream(resp.stream)): a client that
  // leaves drops it and the upstream connection with it. Losers are dropped after the measurement.
  cancelsUpstream: true,
  // /add_server and /sync_servers are listed in its README as "not implemented yet"; dispatch sends them to handle_return_501.
  discovery: false,
  // select_servers ranks by the model being loaded (/api/ps) and by health, never by the conversation.
  kvAffinity: false,
  // After the first `--time-measure` seconds (buffered by send_request_monitored to measure speed),
  // the winner's chunks pass through as they arrive.
  streams: true,
  // dispatch routes only /, /api/tags, /api/show, /api/generate and /api/chat; /v1/* gets 501.
  openaiApi: false,
};

export const ollamaLoadBalancerF3Target: Target = {
  name: 'ollama-load-balancer-f3',
  description: 'the F3 fork of ollama_load_balancer: races /api/chat to several backends, returns the stream that sent the most in its first seconds',
  traits: TRAITS,
  whenUnavailable: 'error',
  // main logs this (tracing, stdout) right after Server::bind, after its first sync of every backend.
  readyLine: /Ollama Load Balancer listening on http:\/\//,
  async unavailable({ binPath }) {
    return lbBinUnavailable(binPath, NEEDS_BIN);
  },
  async forBinary(binPath) {
    const help = await helpText(binPath);
    if (help === null || !/--timeout-ft\b/.test(help)) {
      throw new Error(`--lb-bin ${binPath} does not look like the F3 fork (its --help has no --timeout-ft); ${NEEDS_BIN}`);
    }
    return ollamaLoadBalancerF3Target;
  },
  async launch(ctx) {
    const serverFile = join(ctx.workDir, 'servers.txt');
    await writeFile(serverFile, ctx.backends.map((u, i) => `${u}=s${i}\n`).join(''));
    const seconds = String(wholeSeconds(ctx.timeoutMs));
    return {
      file: ctx.binPath as string,
      args: ['-l', `127.0.0.1:${ctx.port}`, '--server-file', serverFile, '--timeout', seconds, '--timeout-ft', seconds],
      cwd: ctx.workDir,
    };
  },
};
