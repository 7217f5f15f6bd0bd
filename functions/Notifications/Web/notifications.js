// The notifications service's fragment: what the shop told the caller, newest first.
export const tag = 'shop-notifications';

const REFRESH_MS = 3000;
const LABELS = { OrderReceived: 'Order received', OrderConfirmed: 'Order confirmed', OrderCancelled: 'Order cancelled' };

class ShopNotifications extends HTMLElement {
  connectedCallback() {
    this.innerHTML = `
      <p class="muted" data-role="summary" aria-live="polite">Loading notifications...</p>
      <ul class="notes" style="list-style:none;padding:0;margin:0"></ul>`;
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
      const response = await this.api.fetch('/api/notifications?limit=20');
      if (response.status >= 502) return this.unavailable(`notifications answered ${response.status}`);
      if (!response.ok) throw new Error(`notifications answered ${response.status}`);
      this.render(await response.json());
    } catch (error) {
      if (error instanceof TypeError) return this.unavailable('no answer from notifications');
      this.querySelector('[data-role=summary]').textContent = error.message;
    }
    if (this.connected) this.timer = setTimeout(() => this.load(), REFRESH_MS);
  }

  render(notes) {
    this.querySelector('ul').replaceChildren(...notes.map((note) => {
      const item = document.createElement('li');
      item.dataset.orderId = note.orderId;
      item.dataset.type = note.type;
      item.style.cssText = 'padding:.35rem 0;border-bottom:1px solid var(--line)';
      const when = new Date(note.at);
      item.innerHTML = '<strong></strong> <span></span><br><time class="muted"></time>';
      item.querySelector('strong').textContent = LABELS[note.type] ?? note.type;
      item.querySelector('span').textContent = `order ${note.orderId.slice(0, 8)}`;
      item.querySelector('time').dateTime = note.at;
      item.querySelector('time').textContent = when.toLocaleString();
      return item;
    }));
    this.querySelector('[data-role=summary]').textContent = notes.length ? `${notes.length} notification${notes.length === 1 ? '' : 's'}.` : 'Nothing yet.';
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopNotifications);
