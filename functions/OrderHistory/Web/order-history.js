// The order-history service's fragment: the caller's orders from the read model, with their timeline.
export const tag = 'shop-order-history';

const REFRESH_MS = 3000;

class ShopOrderHistory extends HTMLElement {
  connectedCallback() {
    this.innerHTML = `
      <p class="muted" data-role="summary" aria-live="polite">Loading the history...</p>
      <table>
        <caption class="sr-only">Order history, most recently updated first</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col">Timeline</th></tr></thead>
        <tbody></tbody>
      </table>`;
    this.refresh = () => this.load();
    document.addEventListener('shop:order-placed', this.refresh);
    document.addEventListener('shop:order-updated', this.refresh);
    this.connected = true;
    this.load();
  }

  disconnectedCallback() {
    this.connected = false;
    clearTimeout(this.timer);
    document.removeEventListener('shop:order-placed', this.refresh);
    document.removeEventListener('shop:order-updated', this.refresh);
  }

  unavailable(reason) {
    this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason } }));
  }

  async load() {
    clearTimeout(this.timer);
    try {
      const response = await this.api.fetch('/api/order-history?limit=20');
      if (response.status >= 502) return this.unavailable(`order-history answered ${response.status}`);
      if (!response.ok) throw new Error(`order-history answered ${response.status}`);
      this.render(await response.json());
    } catch (error) {
      if (error instanceof TypeError) return this.unavailable('no answer from order-history');
      this.querySelector('[data-role=summary]').textContent = error.message;
    }
    // The read model is eventually consistent: keep it fresh while the fragment is on the page.
    if (this.connected) this.timer = setTimeout(() => this.load(), REFRESH_MS);
  }

  render(entries) {
    this.querySelector('tbody').replaceChildren(...entries.map((entry) => {
      const row = document.createElement('tr');
      row.dataset.orderId = entry.orderId;
      row.dataset.status = entry.status;
      const cells = [entry.orderId.slice(0, 8), entry.status, Number(entry.total).toFixed(2), (entry.timeline ?? []).map((t) => t.type).join(' → ')];
      cells.forEach((text, i) => {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (i === 0) cell.title = entry.orderId;
        if (i === 2) cell.className = 'num';
        if (i === 3) cell.className = 'small muted';
        row.append(cell);
      });
      return row;
    }));
    this.querySelector('[data-role=summary]').textContent = entries.length ? `${entries.length} order${entries.length === 1 ? '' : 's'}.` : 'No orders yet.';
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopOrderHistory);
