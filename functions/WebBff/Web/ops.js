// The admin's ops dashboard, a micro-frontend fragment (contract: API.md "Web UI"): the shell imports this module,
// sets el.api = { fetch(path, init) } and el.session = { username, role }, then inserts <shop-ops>.
// Every part reads a real endpoint: /ops/status, /api/orders/stuck, /ops/dead-letters, /ops/traces, /ops/logs,
// /ops/config, /ops/faults (GET and PUT). No framework, no build step; the page's CSS variables and element styles apply (light DOM).
export const tag = 'shop-ops';

const SAMPLE_MS = 2000;          // status (and the charts) every 2 s
const SLOW_MS = 10000;           // the heavier lists every 10 s
const HISTORY = 90;              // 90 samples of 2 s: the last 3 minutes
const FAULT_TARGETS = ['identity', 'inventory', 'payments', 'shipping', 'orders', 'order-history', 'notifications', 'bus'];

/** Raised when the ops API itself cannot be reached: the shell shows the slot as unavailable. */
class Unavailable extends Error {}

const STYLE = `
shop-ops { display: block; }
shop-ops .ops-grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); }
shop-ops section { min-width: 0; border: 1px solid var(--line, #d5d9e0); border-radius: var(--radius, 10px); padding: .75rem; background: var(--card, #fff); }
shop-ops section.wide { grid-column: 1 / -1; }
shop-ops h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
shop-ops .scroll { overflow-x: auto; }
shop-ops .ok { color: var(--ok, #17663a); font-weight: 600; }
shop-ops .bad { color: var(--bad, #a4161a); font-weight: 600; }
shop-ops .warn { color: var(--warn, #8a5300); font-weight: 600; }
shop-ops .figures { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: 0; }
shop-ops .figures div { min-width: 6rem; }
shop-ops .figures dt { color: var(--muted, #4f5866); font-size: .85rem; }
shop-ops .figures dd { margin: 0; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
shop-ops .chart { width: 100%; height: 70px; display: block; }
shop-ops .chart polyline { fill: none; stroke: var(--accent, #0b5cad); stroke-width: 2; vector-effect: non-scaling-stroke; }
shop-ops .chart line { stroke: var(--line, #d5d9e0); stroke-width: 1; vector-effect: non-scaling-stroke; }
shop-ops .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
shop-ops .traces { list-style: none; margin: 0; padding: 0; }
shop-ops .traces button { width: 100%; text-align: left; background: transparent; color: inherit; border: 1px solid var(--line, #d5d9e0); margin: 0 0 .35rem; }
shop-ops .traces button[aria-pressed=true] { border-color: var(--accent, #0b5cad); box-shadow: inset 4px 0 0 var(--accent, #0b5cad); }
shop-ops .waterfall { margin-top: .75rem; font-size: .85rem; }
shop-ops .span { display: grid; grid-template-columns: minmax(8rem, 40%) 1fr; gap: .5rem; align-items: center; padding: .1rem 0; }
shop-ops .span .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
shop-ops .span .track { position: relative; height: 1rem; background: var(--bg, #f5f6f8); border-radius: 3px; }
shop-ops .span .bar { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 3px; background: var(--accent, #0b5cad); }
shop-ops .faults { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 11rem), 1fr)); }
shop-ops .faults label { margin: 0; }
shop-ops form.row { margin-bottom: .5rem; }
@media (max-width: 480px) { shop-ops .span { grid-template-columns: 1fr; } }
`;

class ShopOps extends HTMLElement {
  constructor() {
    super();
    this.lag = [];          // projection lag samples (ms)
    this.throughput = [];   // sagas confirmed per 2 s interval
    this.lastConfirmed = null;
    this.timers = [];
    this.gone = false;
  }

  connectedCallback() {
    if (this.built) return;
    this.built = true;
    this.innerHTML = `
      <style>${STYLE}</style>
      <div class="ops-grid">
        <section aria-labelledby="ops-services-h" data-part="services">
          <h2 id="ops-services-h">Services</h2>
          <div class="scroll"><table>
            <caption class="sr-only">Health and circuit state per service</caption>
            <thead><tr><th scope="col">Service</th><th scope="col">Health</th><th scope="col">Circuit</th></tr></thead>
            <tbody data-role="services"><tr><td colspan="3" class="muted">Loading...</td></tr></tbody>
          </table></div>
        </section>
        <section aria-labelledby="ops-sagas-h" data-part="sagas">
          <h2 id="ops-sagas-h">Sagas</h2>
          <dl class="figures" data-role="sagas"></dl>
          <h3 class="small">Throughput: sagas confirmed per 2 s</h3>
          <svg class="chart" data-role="throughput" viewBox="0 0 ${HISTORY - 1} 100" preserveAspectRatio="none" role="img" aria-label="No samples yet"></svg>
        </section>
        <section aria-labelledby="ops-lag-h" data-part="lag">
          <h2 id="ops-lag-h">Projection lag and dead letters</h2>
          <dl class="figures">
            <div><dt>Projection lag</dt><dd data-role="lag">-</dd></div>
            <div><dt>Dead letters</dt><dd data-role="dead-count">-</dd></div>
          </dl>
          <h3 class="small">Projection lag, last 3 minutes</h3>
          <svg class="chart" data-role="lag-chart" viewBox="0 0 ${HISTORY - 1} 100" preserveAspectRatio="none" role="img" aria-label="No samples yet"></svg>
        </section>
        <section aria-labelledby="ops-stuck-h" data-part="stuck">
          <h2 id="ops-stuck-h">Stuck sagas</h2>
          <form class="row" data-role="stuck-form">
            <div><label for="ops-stuck-age">Pending longer than (seconds)</label>
            <input id="ops-stuck-age" name="age" type="number" min="0" max="604800" value="60" inputmode="numeric"></div>
            <button type="submit">Show</button>
          </form>
          <p class="muted" data-role="stuck-note" aria-live="polite"></p>
          <div class="scroll"><table data-role="stuck">
            <caption class="sr-only">Orders still pending past the threshold</caption>
            <thead><tr><th scope="col">Order</th><th scope="col" class="num">Age</th></tr></thead>
          </table></div>
        </section>
        <section aria-labelledby="ops-dead-h" data-part="dead-letters" class="wide">
          <h2 id="ops-dead-h">Dead letters</h2>
          <div class="actions">
            <button type="button" data-action="replay">Replay all</button>
            <button type="button" class="secondary" data-action="purge">Purge all</button>
            <button type="button" class="secondary" data-action="reload-dead">Refresh</button>
          </div>
          <p class="muted" data-role="dead-note" aria-live="polite"></p>
          <div class="scroll"><table data-role="dead">
            <caption class="sr-only">Messages that failed too often</caption>
            <thead><tr><th scope="col">Queue</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Reason</th></tr></thead>
          </table></div>
        </section>
        <section aria-labelledby="ops-traces-h" data-part="traces" class="wide">
          <h2 id="ops-traces-h">Recent traces</h2>
          <div class="actions"><button type="button" class="secondary" data-action="reload-traces">Refresh</button></div>
          <ul class="traces" data-role="traces" aria-label="Recent traces, newest first"></ul>
          <form class="row" data-role="trace-form">
            <div><label for="ops-trace-id">Trace id (from a response's <code>traceparent</code>)</label>
              <input id="ops-trace-id" name="traceId" required pattern="[0-9a-fA-F]{32}" autocomplete="off" spellcheck="false"></div>
            <button type="submit">Show trace</button>
          </form>
          <div class="waterfall" data-role="waterfall" aria-live="polite"></div>
        </section>
        <section aria-labelledby="ops-logs-h" data-part="logs" class="wide">
          <h2 id="ops-logs-h">Log search</h2>
          <form class="row" data-role="log-form">
            <div><label for="ops-log-by">Search by</label>
              <select id="ops-log-by" name="by">
                <option value="correlationId">Correlation id</option>
                <option value="orderId">Order id</option>
                <option value="traceId">Trace id</option>
              </select></div>
            <div><label for="ops-log-value">Value</label><input id="ops-log-value" name="value" required autocomplete="off" spellcheck="false"></div>
            <button type="submit">Search</button>
          </form>
          <p class="muted" data-role="log-note" aria-live="polite"></p>
          <div class="scroll"><table data-role="logs" class="small">
            <caption class="sr-only">Matching log lines, oldest first</caption>
            <thead><tr><th scope="col">At</th><th scope="col">Level</th><th scope="col">Service</th><th scope="col">Message</th></tr></thead>
          </table></div>
        </section>
        <section aria-labelledby="ops-faults-h" data-part="faults">
          <h2 id="ops-faults-h">Fault switches</h2>
          <p class="hint">Local mode: make a service unavailable (down) or 2 s late (slow).</p>
          <div class="faults" data-role="faults"></div>
          <p class="muted" data-role="fault-note" aria-live="polite"></p>
        </section>
        <section aria-labelledby="ops-config-h" data-part="config">
          <h2 id="ops-config-h">Configuration</h2>
          <div class="actions"><button type="button" class="secondary" data-action="reload-config">Refresh</button></div>
          <div class="scroll"><table data-role="config" class="small">
            <caption class="sr-only">The local config store; secrets are masked</caption>
            <thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
          </table></div>
        </section>
      </div>`;
    this.renderFaults();
    this.loadFaults().catch(() => {});
    this.wire();
    this.every(SAMPLE_MS, () => this.loadStatus());
    this.every(SLOW_MS, () => Promise.all([this.loadStuck(), this.loadDeadLetters(), this.loadTraces()]));
    this.loadConfig();
  }

  disconnectedCallback() {
    this.gone = true;
    this.timers.forEach(clearTimeout);
  }

  $(role) { return this.querySelector(`[data-role="${role}"]`); }

  /** Runs work now and again every ms after it finishes; stops when the fragment is removed or unavailable. */
  every(ms, work) {
    const tick = async () => {
      if (this.gone) return;
      try { await work(); } catch (e) { if (e instanceof Unavailable) return; }
      if (!this.gone) this.timers.push(setTimeout(tick, ms));
    };
    tick();
  }

  /**
   * A call of the ops API. A network error or a 503 from the gateway's own /ops endpoints means the ops API is not
   * there: the fragment says so to the shell (once) and stops. Other answers go back to the part that asked.
   */
  async call(path, init) {
    let response;
    try {
      response = await this.api.fetch(path, init);
    } catch {
      this.unavailable('no answer from the gateway');
    }
    if (response.status === 503 && path.startsWith('/ops/')) this.unavailable(`${path} answered 503`);
    return response;
  }

  unavailable(reason) {
    if (!this.gone) {
      this.gone = true;
      this.timers.forEach(clearTimeout);
      this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason } }));
    }
    throw new Unavailable(reason);
  }

  wire() {
    this.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      const action = button.dataset.action;
      if (action === 'replay') this.deadLetterAction('POST', '/ops/dead-letters/replay', 'replayed', button);
      if (action === 'purge' && confirm('Delete every dead letter? This cannot be undone.')) this.deadLetterAction('DELETE', '/ops/dead-letters', 'purged', button);
      if (action === 'reload-dead') this.loadDeadLetters().catch(() => {});
      if (action === 'reload-traces') this.loadTraces().catch(() => {});
      if (action === 'reload-config') this.loadConfig().catch(() => {});
      if (action === 'trace') this.showTrace(button.dataset.traceId).catch(() => {});
      if (action === 'fault') this.setFault(button).catch(() => {});
    });
    this.$('stuck-form').addEventListener('submit', (event) => { event.preventDefault(); this.loadStuck().catch(() => {}); });
    this.$('log-form').addEventListener('submit', (event) => { event.preventDefault(); this.searchLogs().catch(() => {}); });
    this.$('trace-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.showTrace(this.$('trace-form').elements.traceId.value.trim().toLowerCase()).catch(() => {});
    });
  }

  // --- status: services, sagas, lag, dead-letter count, and the two charts -------------------------------------

  async loadStatus() {
    const response = await this.call('/ops/status');
    if (!response.ok) return;
    const status = await response.json();
    this.$('services').replaceChildren(...Object.entries(status.services ?? {}).map(([name, s]) => row([
      text(name),
      badge(s.healthy ? 'healthy' : 'down', s.healthy ? 'ok' : 'bad'),
      badge(s.circuit ?? 'unknown', { closed: 'ok', 'half-open': 'warn', open: 'bad' }[s.circuit] ?? 'muted'),
    ])));
    const sagas = status.sagas;
    this.$('sagas').replaceChildren(...(sagas
      ? ['Pending', 'Confirmed', 'Cancelled'].map((state) => figure(state, sagas[state] ?? 0))
      : [figure('Sagas', 'unknown')]));
    this.$('lag').textContent = status.projectionLagMs == null ? 'unknown' : `${Math.round(status.projectionLagMs)} ms`;
    this.$('dead-count').textContent = status.deadLetters ?? 'unknown';

    if (status.projectionLagMs != null) push(this.lag, status.projectionLagMs);
    if (sagas) {
      // Confirmed can drop (a confirmed order cancelled by its customer): a drop is no negative throughput.
      if (this.lastConfirmed != null) push(this.throughput, Math.max(0, sagas.Confirmed - this.lastConfirmed));
      this.lastConfirmed = sagas.Confirmed;
    }
    chart(this.$('lag-chart'), this.lag, 'ms', 'Projection lag');
    chart(this.$('throughput'), this.throughput, 'sagas', 'Sagas confirmed per 2 seconds');
  }

  // --- stuck sagas -------------------------------------------------------------------------------------------------

  async loadStuck() {
    const age = Math.max(0, Number.parseInt(this.querySelector('#ops-stuck-age').value, 10) || 0);
    const response = await this.call(`/api/orders/stuck?olderThanSeconds=${age}`);
    const note = this.$('stuck-note');
    if (!response.ok) {
      note.textContent = response.status === 503 ? 'The orders service is unavailable.' : `Could not read (${response.status}).`;
      return;
    }
    const stuck = await response.json();
    note.textContent = stuck.length ? `${stuck.length} pending longer than ${age} s.` : `None pending longer than ${age} s.`;
    setRows(this.$('stuck'), stuck.map((s) => row([code(s.orderId), text(`${s.ageSeconds} s`, 'num')])));
  }

  // --- dead letters ------------------------------------------------------------------------------------------------

  async loadDeadLetters() {
    const response = await this.call('/ops/dead-letters');
    if (!response.ok) { this.$('dead-note').textContent = `Could not read (${response.status}).`; return; }
    const letters = await response.json();
    setRows(this.$('dead'), letters.map((l) => row([code(l.queue), text(l.type), code(l.subject), text(l.reason)])));
    if (!this.$('dead-note').dataset.sticky) this.$('dead-note').textContent = letters.length ? '' : 'No dead letters.';
  }

  async deadLetterAction(method, path, field, button) {
    button.disabled = true;
    const note = this.$('dead-note');
    try {
      const response = await this.call(path, { method });
      note.dataset.sticky = '1';
      note.textContent = response.ok ? `${(await response.json())[field]} dead letter(s) ${field}.` : `Failed (${response.status}).`;
      await this.loadDeadLetters();
    } catch { /* unavailable: already reported */ } finally {
      button.disabled = false;
      setTimeout(() => { delete note.dataset.sticky; }, SLOW_MS);
    }
  }

  // --- traces and the waterfall ------------------------------------------------------------------------------------

  async loadTraces() {
    const response = await this.call('/ops/traces?limit=15');
    if (!response.ok) return;
    const traces = await response.json();
    const selected = this.selectedTrace;
    this.$('traces').replaceChildren(...traces.map((t) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.action = 'trace';
      button.dataset.traceId = t.traceId;
      button.setAttribute('aria-pressed', String(t.traceId === selected));
      button.textContent = `${t.name} - ${Math.round(t.durationMs)} ms, ${t.spans} spans (${t.services.join(', ')}) at ${new Date(t.start).toLocaleTimeString()}`;
      item.append(button);
      return item;
    }));
    if (!traces.length) this.$('traces').replaceChildren(Object.assign(document.createElement('li'), { className: 'muted', textContent: 'No traces yet.' }));
  }

  async showTrace(traceId) {
    this.selectedTrace = traceId;
    for (const b of this.$('traces').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.traceId === traceId));
    const response = await this.call(`/ops/traces/${encodeURIComponent(traceId)}`);
    const target = this.$('waterfall');
    if (!response.ok) { target.textContent = `Could not read the trace (${response.status}).`; return; }
    const spans = await response.json();
    if (!spans.length) { target.textContent = 'The trace is no longer kept.'; return; }
    const t0 = Math.min(...spans.map((s) => Date.parse(s.start)));
    const end = Math.max(...spans.map((s) => Date.parse(s.start) + s.durationMs));
    const total = Math.max(1, end - t0);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const depth = (s) => { let d = 0; for (let p = byId.get(s.parentSpanId); p && d < 32; p = byId.get(p.parentSpanId)) d++; return d; };
    const heading = document.createElement('h3');
    heading.className = 'small';
    heading.textContent = `Trace ${traceId}: ${spans.length} spans over ${Math.round(total)} ms`;
    target.replaceChildren(heading, ...spans.map((s) => {
      const offset = Date.parse(s.start) - t0;
      const line = document.createElement('div');
      line.className = 'span';
      const label = document.createElement('div');
      label.className = 'label';
      label.style.paddingLeft = `${depth(s) * 0.75}rem`;
      label.textContent = `${s.service} · ${s.name}`;
      label.title = `${s.service} · ${s.name}: starts at ${Math.round(offset)} ms, takes ${s.durationMs} ms`;
      const track = document.createElement('div');
      track.className = 'track';
      track.setAttribute('role', 'img');
      track.setAttribute('aria-label', `starts at ${Math.round(offset)} ms, takes ${Math.round(s.durationMs * 10) / 10} ms`);
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.left = `${(offset / total) * 100}%`;
      bar.style.width = `${(s.durationMs / total) * 100}%`;
      track.append(bar);
      line.append(label, track);
      return line;
    }));
  }

  // --- logs --------------------------------------------------------------------------------------------------------

  async searchLogs() {
    const form = this.$('log-form');
    const by = form.elements.by.value;
    const value = form.elements.value.value.trim();
    const note = this.$('log-note');
    if (!value) { note.textContent = 'Enter a value to search for.'; return; }
    note.textContent = 'Searching...';
    const response = await this.call(`/ops/logs?${by}=${encodeURIComponent(value)}&limit=200`);
    if (!response.ok) {
      note.textContent = response.status === 404 ? 'Log search is not available on this gateway.' : `Could not search (${response.status}).`;
      return;
    }
    const lines = await response.json();
    note.textContent = `${lines.length} line(s).`;
    setRows(this.$('logs'), lines.map((l) => row([
      text(new Date(l.at).toLocaleTimeString()),
      badge(l.level, /error|critical/i.test(l.level) ? 'bad' : /warn/i.test(l.level) ? 'warn' : 'muted'),
      text(l.service),
      text(l.message),
    ])));
  }

  // --- config and faults -------------------------------------------------------------------------------------------

  async loadConfig() {
    const response = await this.call('/ops/config');
    if (!response.ok) return;
    const values = await response.json();
    setRows(this.$('config'), values.map((v) => row([code(v.key), v.masked ? text('******** (secret)', 'muted') : code(v.value ?? '')])));
    if (!values.length) setRows(this.$('config'), [row([text('The local config store is empty.', 'muted'), text('')])]);
  }

  renderFaults() {
    this.$('faults').replaceChildren(...FAULT_TARGETS.map((service) => {
      const box = document.createElement('div');
      const id = `ops-fault-${service}`;
      box.innerHTML = `<label for="${id}"></label>
        <div class="row"><select id="${id}"><option value="none">none</option><option value="slow">slow</option><option value="down">down</option></select>
        <button type="button" class="secondary" data-action="fault" data-service="${service}">Set</button></div>`;
      box.querySelector('label').textContent = service;
      box.querySelector('button').setAttribute('aria-label', `Set the fault of ${service}`);
      return box;
    }));
  }

  /** Shows each switch as it is set now (GET /ops/faults), whoever set it. */
  async loadFaults() {
    const response = await this.call('/ops/faults');
    if (!response.ok) return;
    const modes = await response.json();
    for (const service of FAULT_TARGETS) {
      const select = this.querySelector(`#ops-fault-${service}`);
      if (select && modes[service]) select.value = modes[service];
    }
  }

  async setFault(button) {
    const service = button.dataset.service;
    const mode = this.querySelector(`#ops-fault-${service}`).value;
    button.disabled = true;
    try {
      const response = await this.call(`/ops/faults/${service}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }),
      });
      this.$('fault-note').textContent = response.ok ? `${service} is now ${mode}.` : `${service}: failed (${response.status}).`;
    } finally {
      button.disabled = false;
    }
  }
}

// --- small DOM helpers ------------------------------------------------------------------------------------------------

function push(series, value) {
  series.push(value);
  if (series.length > HISTORY) series.shift();
}

/** A line chart of the series in an SVG whose viewBox is HISTORY wide and 100 high; the label says the figures in words. */
function chart(svg, series, unit, what) {
  const max = Math.max(1, ...series);
  const start = HISTORY - series.length;
  const points = series.map((v, i) => `${start + i},${(100 - (v / max) * 96 - 2).toFixed(1)}`).join(' ');
  svg.innerHTML = `<line x1="0" y1="98" x2="${HISTORY - 1}" y2="98"></line>${series.length > 1 ? `<polyline points="${points}"></polyline>` : ''}`;
  const latest = series.length ? series[series.length - 1] : null;
  svg.setAttribute('aria-label', latest == null
    ? `${what}: no samples yet`
    : `${what}: now ${Math.round(latest)} ${unit}, highest ${Math.round(Math.max(...series))} ${unit} over the last ${Math.round(series.length * SAMPLE_MS / 1000)} s`);
}

function row(cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

/**
 * Replaces a table's data rows (after its head). They sit in the table itself, not in a tbody: the one tbody of the
 * fragment is the services table's, which the shell's browser test finds as "shop-ops tbody tr".
 */
function setRows(table, rows) {
  table.querySelectorAll(':scope > tr').forEach((tr) => tr.remove());
  table.append(...rows);
}

function text(value, className) {
  const td = document.createElement('td');
  td.textContent = value ?? '';
  if (className) td.className = className;
  return td;
}

function code(value) {
  const td = document.createElement('td');
  const c = document.createElement('code');
  c.textContent = value ?? '';
  td.append(c);
  return td;
}

function badge(label, tone) {
  const td = document.createElement('td');
  const span = document.createElement('span');
  span.className = tone;
  span.textContent = label;
  td.append(span);
  return td;
}

function figure(label, value) {
  const div = document.createElement('div');
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  div.append(dt, dd);
  return div;
}

if (!customElements.get(tag)) customElements.define(tag, ShopOps);
