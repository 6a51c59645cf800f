// The dashboard page. The live feed (GET /events) drives the totals, the server cards, the timeline
// and the request list; the forms act through the public control API (api.js).
import { BehaviorForm } from './behavior-form.js';
import { Cards } from './cards.js';
import { byId, fill, h, setText } from './dom.js';
import { connectFeed, RecordStore } from './feed.js';
import { FleetActions } from './fleet-actions.js';
import { fmtInt, fmtRate, OUTCOME_LEGEND } from './format.js';
import { Requests } from './requests.js';
import { Timeline } from './timeline.js';

const RELAYOUT_MS = 1000;
const TICK_MS = 100;

const store = new RecordStore();
/** Server clock minus page clock (journal times are the server's), from the last state event. */
let clockOffset = 0;
let serverPorts = '';

const select = (id) => {
  timeline.select(id);
  requests.showDetails(store.get(id) ?? null);
};
const timeline = new Timeline(byId('timeline'), { onSelect: select });
const requests = new Requests(byId('requests-body'), byId('details'), { onSelect: select });
const form = new BehaviorForm(/** @type {HTMLFormElement} */ (byId('behavior-form')));
const actions = new FleetActions(byId('fleet-actions'), {
  onJournalCleared() {
    store.clear();
    requests.render([]);
    requests.showDetails(null);
  },
});
const cards = new Cards(byId('cards'), {
  onTarget(port) {
    form.chooseServer(port);
    byId('behavior-panel').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  },
  onToggle: (server) => actions.toggle(server),
  onRemove: (port) => actions.remove(port),
});

fill(byId('legend'), OUTCOME_LEGEND.map(([key, label]) => h('li', {}, h('span', { class: `swatch o-${key}` }), label)));
const serverNow = () => Date.now() + clockOffset;
const redraw = () => timeline.update(store.all(), serverNow(), store.dropped);
const windowSelect = /** @type {HTMLSelectElement} */ (byId('tl-window'));
windowSelect.addEventListener('change', () => timeline.setWindow(Number(windowSelect.value), serverNow()));

function showTotals(t) {
  setText(byId('t-servers'), `${t.listening} / ${t.servers}`);
  setText(byId('t-requests'), fmtInt(t.requests));
  setText(byId('t-rps'), fmtRate(t.requests_per_sec));
  setText(byId('t-eps'), fmtRate(t.errors_per_sec));
  byId('t-eps').dataset.hot = String(t.errors_per_sec > 0);
  setText(byId('t-inflight'), fmtInt(t.in_flight));
  setText(byId('t-slots'), `${t.busy_slots} / ${t.num_parallel}`);
  setText(byId('t-queue'), fmtInt(t.queue_length));
  byId('t-queue').dataset.hot = String(t.queue_length > 0);
}

connectFeed({
  onState(state) {
    clockOffset = state.at - Date.now();
    showTotals(state.totals);
    setText(byId('meta'), `${window.location.host} · seed ${state.seed}`);
    cards.update(state.servers);
    form.setServers(state.servers);
    timeline.setServers(state.servers);
    requests.setServers(state.servers);
    // A server added or removed gets or loses its row even while no request comes.
    const ports = state.servers.map((s) => s.port).join();
    if (ports !== serverPorts) {
      serverPorts = ports;
      redraw();
    }
  },
  onRecords(event) {
    store.upsert(event.records, event.cursor);
    redraw();
    requests.render(store.all());
    requests.refresh((id) => store.get(id));
    setText(byId('cursor'), `journal cursor ${event.cursor}`);
    document.body.dataset.cursor = String(event.cursor);
  },
  onStatus(status) {
    byId('conn').dataset.state = status;
    setText(byId('conn-text'), status === 'live' ? 'live' : 'reconnecting…');
  },
});

// The timeline moves with time, not only with events: every frame shifts it (requestAnimationFrame
// pauses while the tab is hidden), and once a second it is laid out again, so that bars that left
// the window go even when no request comes.
let laidOut = 0;
let ticked = 0;
function frame(t) {
  if (t - laidOut >= RELAYOUT_MS) {
    laidOut = ticked = t;
    redraw();
  } else if (t - ticked >= TICK_MS) {
    ticked = t;
    timeline.tick(serverNow());
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

await form.load();
document.body.dataset.ready = 'true';
