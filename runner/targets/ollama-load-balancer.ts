// BigBIueWhale/ollama_load_balancer 1.0.3 (Rust), as built by scripts/build-rust-lbs.sh from
// vendor/rust-lbs/ollama-load-balancer. Everything below is read from its src/main.rs:
// `-s/--server URL=NAME` repeated (a full http:// URL: handle_request builds `format!("{}{}", key,
// path)`), `-t/--timeout SECONDS` (default 30, 0 = none), and no listen flag: main binds
// `([0, 0, 0, 0], 11434)`. Our 03-listen-address.patch adds `-l/--listen ADDR`; a binary without it
// (read from --help) runs on the fixed port 11434, one scenario at a time.
import { helpText, lbBinUnavailable, wholeSeconds } from '../executables.js';
import type { Target, Traits } from '../types.js';

export const NEEDS_BIN = 'pass --lb-bin PATH to the ollama_load_balancer 1.0.3 binary (scripts/build-rust-lbs.sh builds it)';
export const FIXED_PORT = 11434;

export const TRAITS: Traits = {
  // handle_request: a send() error marks the server Unreliable and answers 502 "Error connecting to
  // Ollama server" at once; nothing sends the request anywhere else.
  retriesBeforeFirstByte: false,
  // select_available_server takes only servers with `!server.state.busy` (one request per server,
  // ServerGuard clears it) and returns None when all are busy: handle_request answers 503
  // "No available servers".
  whenAllBusy: 'reject',
  // handle_request streams the body through untouched (req.into_body().map(...)); it never reads the model.
  modelAware: false,
  // Every path is forwarded verbatim to one server (uri = key + path); nothing answers /api/tags itself.
  aggregatesTags: false,
  // handle_request sends each request to exactly one server (the key select_available_server returned).
  racesRequests: false,
  // FailureRecord Reliable / Unreliable / SecondChanceGiven: select_available_server prefers an idle
  // Reliable server in CLI order, then gives Unreliable ones their chance in turn;
  // ResponseBodyWithGuard::poll_next marks a server Reliable again when a body ends cleanly.
  healthStates: true,
  // --timeout is reqwest's read_timeout (handle_request: builder.read_timeout(timeout)), re-implemented
  // for reqwest 0.11 by 02-read-timeout.patch: a deadline for the response head, then for every body read.
  inactivityTimeout: true,
  // The upstream response lives inside the client's hyper Body (Body::wrap_stream(ResponseBodyWithGuard
  // { stream: response.bytes_stream(), .. })): a client that leaves drops it, which closes the upstream connection.
  cancelsUpstream: true,
  // The server list comes from the command line only (Args::server).
  discovery: false,
  // select_available_server looks only at each server's busy flag and failure_record, never at the request.
  kvAffinity: false,
  // ResponseBodyWithGuard::poll_next hands each upstream chunk to hyper as soon as it arrives.
  streams: true,
  // Any method and path is forwarded (hyper_method_to_reqwest_method, uri = key + path), /v1/* included.
  openaiApi: true,
};

function target(takesListen: boolean): Target {
  return {
    name: 'ollama-load-balancer',
    description: takesListen
      ? 'BigBIueWhale/ollama_load_balancer 1.0.3 (patched with --listen: a free port per scenario)'
      : `BigBIueWhale/ollama_load_balancer 1.0.3 (no --listen: fixed port ${FIXED_PORT}; scenarios run one at a time)`,
    traits: TRAITS,
    ...(takesListen ? {} : { fixedPort: FIXED_PORT }),
    whenUnavailable: 'error',
    // main prints this right after Server::bind; a GET probe instead would be forwarded to a backend
    // (every path is) and show up in the scenario's journal.
    readyLine: /Ollama Load Balancer listening on http:\/\//,
    async unavailable({ binPath }) {
      return lbBinUnavailable(binPath, NEEDS_BIN);
    },
    async forBinary(binPath) {
      const help = await helpText(binPath);
      if (help === null || !/-s, --server <SERVER>/.test(help)) {
        throw new Error(`--lb-bin ${binPath} does not look like ollama_load_balancer 1.0.3 (its --help has no "-s, --server <SERVER>"); ${NEEDS_BIN}`);
      }
      // 03-listen-address.patch adds -l/--listen; a binary without it gets the fixed port.
      return target(/-l, --listen\b/.test(help));
    },
    async launch(ctx) {
      return {
        file: ctx.binPath as string,
        args: [
          ...ctx.backends.flatMap((u, i) => ['--server', `${u}=s${i}`]),
          '--timeout', String(wholeSeconds(ctx.timeoutMs)),
          ...(takesListen ? ['--listen', `127.0.0.1:${ctx.port}`] : []),
        ],
        cwd: ctx.workDir,
      };
    },
  };
}

/** Until forBinary has read --help, the target assumes the worst case: the fixed port. */
export const ollamaLoadBalancerTarget: Target = target(false);
