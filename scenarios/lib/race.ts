// Shared pieces of the racing scenarios (and of the older ones that must judge a racer): which
// traits a race scenario needs, which attempt of a raced request won, and whether the losers were
// cancelled soon after the winner's first token or, for a racer that declares it lets them run on,
// what they cost. The journal is the only witness: a racer's upstream attempts all carry the
// client's marker, and each records when its first byte left and how it ended.
import type { JournalRecord } from '../../simulator/index.js';
import type { ScenarioContext, Traits } from '../../runner/types.js';
import { eventually } from './assert.js';
import { SLACK_MS } from './classic.js';
import { attemptsOf, summarize } from './journal.js';

/** How soon after the winner's first token a loser must have stopped: the balancer's own work only. */
export const LOSER_BOUND_MS = SLACK_MS;

export function needsRacing(t: Traits): string | null {
  return t.racesRequests ? null : 'needs racesRequests (sends one request to several backends and keeps the fastest)';
}

/** Whether the target lets a race's losers run on by design (their cost is reported, not failed). */
export function losersRunOn(t: Traits): boolean {
  return t.racesRequests && t.cancelsRaceLosers !== true;
}

/**
 * A loser still running (or done) later than the bound after the winner's first token, and why.
 * Running means not ended: a hung attempt is a `fault` (hang) from its start, yet holds its
 * connection until the balancer lets go.
 */
export function lateLoser(losers: readonly JournalRecord[], winner: JournalRecord, now = Date.now()): string | null {
  const cutoff = (winner.firstByteAt ?? winner.arrivedAt) + LOSER_BOUND_MS;
  for (const r of losers) {
    if (r.outcome === 'completed') return `the loser on :${r.server} generated all ${r.tokensWritten} tokens to the end (${summarize([r])})`;
    if (r.endedAt === null && now > cutoff) {
      return `the loser on :${r.server} was still ${r.fault === 'hang' ? 'held (hung)' : 'generating'} ${Math.round(now - cutoff + LOSER_BOUND_MS)} ms after the winner's first token (${r.tokensWritten} tokens written)`;
    }
    if (r.endedAt !== null && r.endedAt > cutoff) {
      return `the loser on :${r.server} ended ${Math.round(r.endedAt - cutoff + LOSER_BOUND_MS)} ms after the winner's first token (${r.outcome}${r.fault ? `/${r.fault}` : ''}, ${r.tokensWritten} tokens)`;
    }
  }
  return null;
}

/** The other attempts of the request, once each has ended or the bound after the winner's first token has passed. */
export async function losersOf(ctx: ScenarioContext, mark: string, since: number, winner: JournalRecord): Promise<JournalRecord[]> {
  const cutoff = (winner.firstByteAt ?? winner.arrivedAt) + LOSER_BOUND_MS;
  const losers = () => attemptsOf(ctx.fleet, mark, since).filter((r) => r.id !== winner.id);
  return eventually(() => (losers().every((r) => r.endedAt !== null) || Date.now() > cutoff ? losers() : null),
    Math.max(0, cutoff - Date.now()) + 1000, 'the losers of the race to end');
}

/** "2 losers, 57 tokens and 3.1 s of generation after the winner's first token", for a finding. */
export function loserCost(losers: readonly JournalRecord[], winner: JournalRecord, now = Date.now()): string {
  const from = winner.firstByteAt ?? winner.arrivedAt;
  const tokens = losers.reduce((n, r) => n + r.tokensWritten, 0);
  const ms = losers.reduce((n, r) => n + Math.max(0, (r.endedAt ?? now) - Math.max(from, r.startedAt ?? r.arrivedAt)), 0);
  const running = losers.filter((r) => r.endedAt === null).length;
  return `${losers.length} loser(s): ${tokens} tokens written and ${(ms / 1000).toFixed(1)} s of generation after the winner's first token${running ? ` (${running} still running)` : ''}`;
}

/**
 * Judges a race's losers: with cancelling racers each must end (never complete) within
 * LOSER_BOUND_MS of the winner's first token; with racers that let them run on, their cost becomes a
 * finding. Returns the failure, or null.
 */
export function judgeLosers(ctx: ScenarioContext, losers: readonly JournalRecord[], winner: JournalRecord, label: string): string | null {
  if (losersRunOn(ctx.target.traits)) {
    if (losers.length > 0) ctx.report(`${label}: the losers ran on (declared): ${loserCost(losers, winner)}`);
    return null;
  }
  const late = lateLoser(losers, winner);
  return late === null ? null : `${label}: ${late}; a racer should cancel its losers within ${LOSER_BOUND_MS} ms of the winner's first token`;
}
