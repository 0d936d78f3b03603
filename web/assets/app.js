// The dashboard page: a hash router over the JSON API, pages built from DOM nodes
// (text is always set as text: process names and summaries come from the host and
// are never parsed as HTML), live refresh on the server's change events.
import { renderCharts } from './charts.js';

const main = document.getElementById('main');
const state = { range: localStorage.getItem('ks-range') || '15m', token: localStorage.getItem('ks-token') || '' };

// npm start prints the address with #token=...: keep it, and take it out of the address bar.
{
  const m = /^#token=([0-9a-f]{32,})$/.exec(location.hash);
  if (m) { state.token = m[1]; localStorage.setItem('ks-token', m[1]); history.replaceState(null, '', '#/'); }
}

// ---- small helpers -------------------------------------------------------------
function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) if (k !== undefined && k !== null && k !== false) el.append(k instanceof Node ? k : String(k));
  return el;
}
const time = (s) => (s ? new Date(s * 1000).toLocaleString() : '—');
const ago = (s) => { if (!s) return '—'; const d = Date.now() / 1000 - s; return d < 90 ? `${Math.round(d)} s ago` : d < 5400 ? `${Math.round(d / 60)} min ago` : `${(d / 3600).toFixed(1)} h ago`; };
const num = (v, digits = 2) => (typeof v === 'number' ? String(+v.toFixed(digits)) : v ?? '—');
const sev = (s) => h('span', { class: `sev sev-${s}` }, s);
const status = (s) => h('span', { class: `status status-${s}` }, s.replace('_', ' '));
const link = (href, text) => h('a', { href }, text);
const table = (heads, rows) => h('table', {}, h('tr', {}, heads.map((x) => h('th', {}, x))), rows.length ? rows : h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'none')));

async function api(path, opts = {}) {
  const headers = { ...(opts.body ? { 'content-type': 'application/json' } : {}), ...(state.token ? { authorization: `Bearer ${state.token}` } : {}) };
  const r = await fetch(path, { ...opts, headers });
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw Object.assign(new Error(body.error || `HTTP ${r.status}`), { status: r.status });
  return body;
}

function rangeWindow() { return `range=${state.range}`; }

/** Citations in an answer ([signal #12], [signal_metadata#12], [agent_actions#7]) become links. */
function linkCitations(text) {
  const out = [];
  const re = /\[(signal #|signal_metadata#|agent_actions#)(\d+)\]/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    out.push(text.slice(last, m.index));
    out.push(link(m[1] === 'agent_actions#' ? `#/action/${m[2]}` : `#/signal/${m[2]}`, m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function operatorButton(id, verb) {
  const out = h('div', { class: 'result', hidden: true, dataset: { result: verb } });
  const b = h('button', { class: 'act', dataset: { verb, id: String(id) }, onclick: async () => {
    b.disabled = true;
    out.hidden = false;
    out.textContent = `${verb}…`;
    try { out.textContent = (await api(`/api/actions/${id}/${verb}`, { method: 'POST', body: '{}' })).reply; }
    catch (e) { out.textContent = `${verb} refused: ${e.message}`; out.classList.add('error'); }
    b.disabled = false;
  } }, verb === 'approve' ? 'Approve' : 'Undo');
  return h('span', {}, b, out);
}

/** `pending`: the charts' request, when the page started it early (in parallel with its own data). */
async function charts(root, query, pending) {
  const data = await (pending ?? api(`/api/charts?${query}`));
  const note = h('p', { class: 'legend-note' }, `${data.bands.length} signal band(s), ${data.markers.length} agent action(s) in view; bucket ${num(data.stepS, 0)} s. `,
    ...data.markers.map((m) => h('span', {}, link(`#/action/${m.id}`, `#${m.id} ${m.action}`), ' ', status(m.status), ' ')));
  const box = h('div', { class: 'charts' });
  root.append(note, box);
  renderCharts(box, data, (id) => { location.hash = `#/action/${id}`; });
}

// ---- pages ---------------------------------------------------------------------
async function overviewPage() {
  const chartData = api(`/api/charts?${rangeWindow()}`);
  chartData.catch(() => {}); // awaited below; a failure shows there
  const o = await api('/api/overview');
  const root = h('div', {});
  const prod = o.producers;
  const up = prod ? prod.filter((p) => p.state === 'up').length : null;
  root.append(
    h('h1', {}, 'Host overview ', sev(o.health)),
    h('div', { class: 'grid' },
      h('div', { class: 'card' }, h('div', {}, 'Open signals'), h('div', { class: 'big', id: 'open-count' }, String(o.openSignals.length))),
      h('div', { class: 'card' }, h('div', {}, 'Last agent cycle'), h('div', { class: 'big' }, o.lastCycle ? `#${o.lastCycle.id}` : '—'),
        h('div', { class: 'muted' }, o.lastCycle ? `${o.lastCycle.status}, ${o.lastCycle.mode}, ${ago(o.lastCycle.started_at)}` : 'no cycle yet')),
      h('div', { class: 'card' }, h('div', {}, 'Components up'), h('div', { class: 'big' }, prod ? `${up} / ${prod.length}` : '—'),
        h('div', { class: 'muted' }, prod ? prod.filter((p) => p.state !== 'up').map((p) => `${p.name}: ${p.state}`).join(', ') || 'all up' : 'npm start is not running')),
      h('div', { class: 'card' }, h('div', {}, 'Events stored'), h('div', { class: 'big' }, num(o.figures.totalEvents ?? null, 0)))),
    h('h2', {}, 'Open signals'),
    table(['severity', 'signal', 'on', 'summary', 'since'], o.openSignals.map((s) => h('tr', { dataset: { signal: s.type } },
      h('td', {}, sev(s.severity)), h('td', {}, link(`#/signal/${s.id}`, `#${s.id} ${s.type}`)), h('td', {}, s.entity ?? ''), h('td', {}, s.summary), h('td', {}, ago(s.firstSeen))))),
  );
  if (o.pending.length) {
    root.append(h('h2', {}, 'Waiting for approval'), table(['decision', 'action', 'target', 'why', ''], o.pending.map((d) => h('tr', {},
      h('td', {}, link(`#/action/${d.id}`, `#${d.id}`)), h('td', {}, d.action), h('td', {}, d.target ?? ''), h('td', {}, (d.justification ?? '').split('\n')[0]), h('td', {}, operatorButton(d.id, 'approve'))))));
  }
  root.append(h('h2', {}, 'Recent agent actions'), table(['decision', 'when', 'action', 'target', 'status'], o.recentActions.map((d) => h('tr', {},
    h('td', {}, link(`#/action/${d.id}`, `#${d.id}`)), h('td', {}, ago(d.ts)), h('td', {}, d.action), h('td', {}, d.target ?? ''), h('td', {}, status(d.status))))));
  const ask = h('textarea', { id: 'ask-q', placeholder: 'Ask: what is wrong? why is the disk slow? what happened in the last hour?' });
  const answer = h('div', { class: 'answer', id: 'ask-a', hidden: true });
  root.append(h('h2', {}, 'Ask'), h('div', { class: 'ask' }, ask, h('button', { class: 'act', id: 'ask-go', onclick: async () => {
    answer.hidden = false; answer.textContent = 'thinking…';
    try { const r = await api('/api/ask', { method: 'POST', body: JSON.stringify({ question: ask.value }) }); answer.textContent = ''; answer.append(...linkCitations(r.answer)); }
    catch (e) { answer.textContent = `could not answer: ${e.message}`; }
  } }, 'Ask'), answer));
  root.append(h('h2', {}, `Charts, last ${state.range}`));
  main.replaceChildren(root);
  await charts(root, rangeWindow(), chartData);
}

async function signalPage(id) {
  const p = await api(`/api/signals/${id}`);
  const s = p.signal;
  const root = h('div', {},
    h('h1', {}, `Signal #${s.id} ${s.type} `, sev(s.severity)),
    h('p', {}, s.summary),
    h('p', { class: 'muted' }, `${s.status}; first seen ${time(s.firstSeen)}, last ${time(s.lastSeen)}${s.resolvedAt ? `, resolved ${time(s.resolvedAt)}` : ''}; ${s.occurrences} observations; pressure ${num(s.pressure)}; max severity ${s.maxSeverity}`),
    h('h2', {}, 'Evidence'),
    h('ul', {}, [...(p.evidence.patterns ?? []), ...(p.evidence.hints ?? [])].map((x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x)))),
    table(['figure', 'value'], Object.entries(p.context).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))))),
    h('h2', {}, 'Raw rows behind it'),
    ...p.rows.map((t) => [h('h3', {}, t.table), t.rows.length ? table(Object.keys(t.rows[0]), t.rows.map((r) => h('tr', {}, Object.entries(r).map(([k, v]) => h('td', { class: typeof v === 'number' ? 'num' : '' }, k === 'timestamp' ? time(v) : num(v)))))) : h('p', { class: 'muted' }, 'no rows in its window')]).flat(),
    h('h2', {}, 'Related signals'),
    table(['signal', 'severity', 'summary'], p.related.map((r) => h('tr', {}, h('td', {}, link(`#/signal/${r.id}`, `#${r.id} ${r.type}`)), h('td', {}, sev(r.severity)), h('td', {}, r.summary)))),
    h('h2', {}, 'Around it'),
  );
  main.replaceChildren(root);
  await charts(root, `from=${p.window.fromS}&to=${p.window.toS}`);
}

function verificationView(v) {
  if (!v) return h('p', { class: 'muted' }, 'not verified (yet)');
  const rows = [];
  for (const [k, val] of Object.entries(v)) {
    if (val && typeof val === 'object' && !Array.isArray(val)) rows.push(h('tr', {}, h('td', {}, k), h('td', {}, h('pre', {}, JSON.stringify(val, null, 1)))));
    else rows.push(h('tr', {}, h('td', {}, k), h('td', { class: typeof val === 'number' ? 'num' : '' }, Array.isArray(val) ? JSON.stringify(val) : num(val, 3))));
  }
  return h('div', {}, h('p', { id: 'verdict' }, 'Verdict: ', h('strong', {}, String(v.verdict ?? v.status ?? '—')), v.kept === undefined ? '' : v.kept ? ' (kept)' : ' (rolled back)'), table(['figure', 'value'], rows));
}

async function actionPage(id) {
  const p = await api(`/api/actions/${id}`);
  const d = p.decision;
  const root = h('div', {},
    h('h1', {}, `Decision #${d.id}: ${d.action} `, status(d.status)),
    h('p', {}, `on ${d.target ?? 'the system'}${d.targetPid ? ` (pid ${d.targetPid})` : ''}, ${time(d.ts)}; decided by ${d.decidedBy}${d.model ? ` (${d.model})` : ''}, confidence ${num(d.confidence)}`),
    h('p', {}, 'Parameters: ', JSON.stringify(d.params), d.signalIds.length ? [' · signals ', ...d.signalIds.map((s) => [link(`#/signal/${s}`, `#${s}`), ' '])] : ''),
    h('h2', {}, 'Justification'), h('pre', {}, d.justification ?? '—'),
    d.expectedEffect ? h('p', {}, 'Expected effect: ', d.expectedEffect) : '',
    h('h2', {}, 'Mechanism check'),
    h('p', {}, p.mechanism.claims ?? 'unknown action'),
    p.mechanism.explained.length ? h('ul', {}, p.mechanism.explained.map((l) => h('li', {}, l))) : '',
    p.mechanism.refused ? h('p', { class: 'error' }, `refused: ${p.mechanism.refused}`) : '',
    h('h2', {}, 'Before / after'), verificationView(p.verification),
    h('h2', {}, 'Audit trail'),
    table(['row', 'when', 'status', 'rule', 'note'], p.history.map((r) => h('tr', {}, h('td', {}, `#${r.id}`), h('td', {}, time(r.ts)), h('td', {}, status(r.status)), h('td', {}, r.rule ?? ''), h('td', {}, r.note ?? '')))),
    h('p', { id: 'chain' }, p.chain.ok ? `Audit chain OK (${p.chain.rows} rows).` : `Audit chain BROKEN: ${p.chain.reason ?? ''}`),
    h('div', {}, d.status === 'pending_approval' ? operatorButton(d.id, 'approve') : '', ['executed', 'verified', 'approved'].includes(d.status) ? operatorButton(d.id, 'undo') : ''),
  );
  main.replaceChildren(root);
}

async function processesPage() {
  const p = await api(`/api/processes?${rangeWindow()}`);
  const acts = (r) => r.actions.map((a) => [link(`#/action/${a.id}`, `#${a.id} ${a.action}`), ' ', status(a.status), ' ']);
  main.replaceChildren(h('div', {},
    h('h1', {}, `Processes, ${p.window.source}`),
    h('h2', {}, 'CPU'), table(['process', 'pid', 'avg CPU %', 'max CPU %', 'samples', 'what the agent did'], p.cpu.map((r) => h('tr', {}, h('td', {}, r.comm), h('td', { class: 'num' }, r.pid), h('td', { class: 'num' }, num(r.avg_cpu_pct, 1)), h('td', { class: 'num' }, num(r.max_cpu_pct, 1)), h('td', { class: 'num' }, r.samples), h('td', {}, acts(r))))),
    h('h2', {}, 'Memory'), table(['process', 'pid', 'peak RSS MiB', 'samples', 'what the agent did'], p.memory.map((r) => h('tr', {}, h('td', {}, r.comm), h('td', { class: 'num' }, r.pid), h('td', { class: 'num' }, num(r.peak_rss_kb / 1024, 1)), h('td', { class: 'num' }, r.samples), h('td', {}, acts(r))))),
    h('h2', {}, 'Block I/O'), table(['process', 'pid', 'device', 'requests', 'MiB', 'max p99 ms', 'what the agent did'], p.io.map((r) => h('tr', {}, h('td', {}, r.comm), h('td', { class: 'num' }, r.pid), h('td', {}, r.dev), h('td', { class: 'num' }, r.requests), h('td', { class: 'num' }, num(r.bytes / 1048576, 1)), h('td', { class: 'num' }, num(r.max_p99_us / 1000, 2)), h('td', {}, acts(r))))),
  ));
}

async function incidentsPage() {
  const p = await api('/api/incidents');
  main.replaceChildren(h('div', {}, h('h1', {}, 'Incidents'),
    table(['incident', 'severity', 'start', 'end', 'resources', 'signals'], p.incidents.map((i) => h('tr', {},
      h('td', {}, link(`#/incident/${i.id}`, i.id)), h('td', {}, sev(i.maxSeverity)), h('td', {}, time(i.startS)), h('td', {}, i.open ? 'open' : time(i.endS)), h('td', {}, i.resources.join(', ')), h('td', {}, String(i.signals.length)))))));
}

async function incidentPage(id) {
  const p = await api(`/api/incidents/${encodeURIComponent(id)}`);
  const i = p.detail.incident;
  const s = p.detail.summary;
  const root = h('div', {},
    h('h1', {}, `Incident ${i.id} `, sev(i.maxSeverity)),
    h('p', {}, `${time(i.startS)} – ${i.open ? 'now (open)' : time(i.endS)}; ${i.resources.join(', ')}`),
    h('h2', {}, 'What happened'), h('p', {}, ...linkCitations(s.what)),
    h('h2', {}, 'Why'), h('p', {}, ...linkCitations(s.why)),
    h('h2', {}, 'What was done'), h('p', {}, ...linkCitations(s.done)),
    h('h2', {}, 'Did it help'), h('p', {}, ...linkCitations(s.helped)),
    h('h2', {}, 'Signals'), table(['signal', 'severity', 'summary'], i.signals.map((x) => h('tr', {}, h('td', {}, link(`#/signal/${x.id}`, `#${x.id} ${x.type}`)), h('td', {}, sev(x.severity)), h('td', {}, x.summary)))),
    h('h2', {}, 'Timeline'),
  );
  main.replaceChildren(root);
  await charts(root, `from=${p.window.fromS}&to=${p.window.toS}`);
  root.append(table(['minute', 'events'], p.timeline.minutes.filter((m) => m.events.length).map((m) => h('tr', {}, h('td', {}, time(m.atS)), h('td', {}, m.events.map((e) => h('div', {}, ...linkCitations(e.text ?? JSON.stringify(e)))))))));
}

// ---- router, ranges, live updates ------------------------------------------------
const ROUTES = [
  [/^#?\/?$/, overviewPage], [/^#\/signal\/(\d+)$/, signalPage], [/^#\/action\/(\d+)$/, actionPage],
  [/^#\/processes$/, processesPage], [/^#\/incidents$/, incidentsPage], [/^#\/incident\/(.+)$/, incidentPage],
];

let rendering = false;
async function render() {
  if (rendering) return;
  rendering = true;
  document.body.dataset.ready = '';
  const hash = location.hash || '#/';
  const route = ROUTES.find(([re]) => re.test(hash));
  try {
    if (!route) main.replaceChildren(h('p', { class: 'error' }, `no page ${hash}`));
    else await route[1](...hash.match(route[0]).slice(1).map(decodeURIComponent));
  } catch (e) {
    main.replaceChildren(h('p', { class: 'error' }, e.status === 401 ? 'This dashboard needs its token: open the address `npm start` printed.' : `Could not load: ${e.message}`));
  } finally {
    rendering = false;
    document.body.dataset.ready = hash;
  }
}

for (const b of document.querySelectorAll('#ranges button')) {
  b.classList.toggle('on', b.dataset.range === state.range);
  b.addEventListener('click', () => {
    state.range = b.dataset.range; localStorage.setItem('ks-range', state.range);
    for (const x of document.querySelectorAll('#ranges button')) x.classList.toggle('on', x === b);
    void render();
  });
}
document.getElementById('token-state').textContent = state.token ? 'token: set' : 'token: none (read-only)';
window.addEventListener('hashchange', () => void render());

/** The server's change events, read with fetch so the token goes in a header (EventSource cannot send one). */
async function live() {
  const dot = document.getElementById('live');
  let timer;
  for (;;) {
    try {
      const r = await fetch('/api/events', { headers: state.token ? { authorization: `Bearer ${state.token}` } : {} });
      if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
      dot.textContent = 'live'; dot.classList.add('on');
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '', first = true;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i); buf = buf.slice(i + 2);
          if (!/^event: change/m.test(ev)) continue;
          if (first) { first = false; continue; } // the state at connect: the page is already current
          // Only pages that follow "now" refresh; a page about the past stays put.
          if (!/^#?\/?$|^#\/processes$|^#\/incidents$/.test(location.hash || '#/')) continue;
          // Nor does one where the person is typing or reading a reply.
          if (document.querySelector('.result:not([hidden]), #ask-a:not([hidden])') || document.getElementById('ask-q')?.value) continue;
          clearTimeout(timer); timer = setTimeout(() => void render(), 300);
        }
      }
    } catch { /* retried below */ }
    dot.textContent = 'reconnecting'; dot.classList.remove('on');
    await new Promise((r) => setTimeout(r, 3000));
  }
}

void render();
void live();
