// Placeholder for the admin ops dashboard (another fragment replaces this file, same contract):
// GET /ops/status as a table, refreshed every few seconds.
export const tag = 'shop-ops';

class ShopOps extends HTMLElement {
  connectedCallback() {
    this.innerHTML = `
      <p class="muted" data-role="summary" aria-live="polite">Loading the status...</p>
      <table>
        <caption class="sr-only">Services</caption>
        <thead><tr><th scope="col">Service</th><th scope="col">Healthy</th><th scope="col">Circuit</th></tr></thead>
        <tbody></tbody>
      </table>`;
    this.connected = true;
    this.load();
  }

  disconnectedCallback() {
    this.connected = false;
    clearTimeout(this.timer);
  }

  async load() {
    try {
      const response = await this.api.fetch('/ops/status');
      if (response.status >= 502) {
        this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason: `ops answered ${response.status}` } }));
        return;
      }
      if (response.ok) this.render(await response.json());
    } catch {
      this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason: 'no answer from the gateway' } }));
      return;
    }
    if (this.connected) this.timer = setTimeout(() => this.load(), 5000);
  }

  render(status) {
    this.querySelector('tbody').replaceChildren(...Object.entries(status.services ?? {}).map(([name, s]) => {
      const row = document.createElement('tr');
      for (const text of [name, s.healthy ? 'yes' : 'NO', s.circuit]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }));
    const sagas = status.sagas ? Object.entries(status.sagas).map(([k, v]) => `${k} ${v}`).join(', ') : 'unknown';
    this.querySelector('[data-role=summary]').textContent =
      `Sagas: ${sagas}. Dead letters: ${status.deadLetters ?? 'unknown'}. Projection lag: ${status.projectionLagMs ?? 'unknown'} ms.`;
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopOps);
