// The public control API, as the page calls it. Every action the dashboard offers is one of these
// requests, so what works here works from curl and from a test.

/**
 * @returns {Promise<{ ok: boolean, status: number, data: any, error: string | null, field: string | null }>}
 *   error: the API's own message on a 4xx (e.g. "Stall: field 'after_tokens' must be >= 0, got -1")
 */
export async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    return { ok: false, status: 0, data: null, error: `the control API did not answer: ${err.message}`, field: null };
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  const error = res.ok ? null : (data && typeof data === 'object' && data.error) || `HTTP ${res.status}`;
  return { ok: res.ok, status: res.status, data, error, field: (data && data.field) || null };
}

export const api = {
  behaviors: () => call('GET', '/behaviors'),
  setBehavior: (port, behavior) => call('POST', '/behavior', { port, behavior }),
  reset: (clearCounters) => call('POST', '/reset', { clear_counters: clearCounters }),
  addServer: (settings) => call('POST', '/servers', settings),
  removeServer: (port) => call('DELETE', `/servers/${port}`),
  serverUp: (port) => call('POST', `/servers/${port}/up`),
  serverDown: (port) => call('POST', `/servers/${port}/down`),
  clearJournal: () => call('DELETE', '/journal'),
};
