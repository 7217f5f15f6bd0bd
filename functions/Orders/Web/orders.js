// The orders service's fragment: place an order, and "my orders" with live status (polled every
// second while any is Pending). Announces `shop:order-placed` and `shop:order-updated` on document.
export const tag = 'shop-orders';

const COUNTRIES = [['US', 'United States'], ['GB', 'United Kingdom'], ['DE', 'Germany'], ['FR', 'France'], ['JP', 'Japan'], ['KR', 'South Korea'], ['BR', 'Brazil'], ['IN', 'India']];
const money = (n) => Number(n).toFixed(2);
const announce = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

class ShopOrders extends HTMLElement {
  connectedCallback() {
    const customer = this.session?.role !== 'admin';
    this.innerHTML = `
      ${customer ? `
      <form data-role="place" aria-label="Place an order">
        <div class="row">
          <div><label for="ord-sku">SKU</label><input id="ord-sku" name="sku" list="ord-skus" required autocomplete="off"><datalist id="ord-skus"></datalist></div>
          <div><label for="ord-quantity">Quantity</label><input id="ord-quantity" name="quantity" type="number" min="1" max="1000" step="1" value="1" required></div>
        </div>
        <div class="row">
          <div><label for="ord-line1">Address</label><input id="ord-line1" name="line1" required autocomplete="address-line1" value="1 Main Street"></div>
          <div><label for="ord-city">City</label><input id="ord-city" name="city" required autocomplete="address-level2" value="Springfield"></div>
          <div><label for="ord-postal">Postal code</label><input id="ord-postal" name="postalCode" required autocomplete="postal-code" value="12345"></div>
          <div><label for="ord-country">Country</label><select id="ord-country" name="country" autocomplete="country">
            ${COUNTRIES.map(([code, name]) => `<option value="${code}">${name}</option>`).join('')}</select></div>
          <button type="submit">Place order</button>
        </div>
        <p class="error" data-role="place-error" role="alert"></p>
      </form>` : '<p class="muted">Admins see their own orders here; customers place orders.</p>'}
      <p class="muted" data-role="summary" aria-live="polite">Loading your orders...</p>
      <table>
        <caption class="sr-only">My orders, newest first</caption>
        <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col">Items</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
        <tbody></tbody>
      </table>`;
    this.statuses = new Map();
    this.form = this.querySelector('form[data-role=place]');
    this.form?.addEventListener('submit', (e) => this.place(e));
    this.onSelect = (e) => {
      if (!this.form) return;
      this.form.sku.value = e.detail.sku;
      this.form.quantity.focus();
    };
    document.addEventListener('shop:select-sku', this.onSelect);
    this.connected = true;
    this.load();
    if (this.form) this.loadSkus();
  }

  disconnectedCallback() {
    this.connected = false;
    clearTimeout(this.timer);
    document.removeEventListener('shop:select-sku', this.onSelect);
  }

  unavailable(reason) {
    this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason } }));
  }

  /** SKU suggestions: nice to have, so a failure here only leaves the field without them. */
  async loadSkus() {
    try {
      const response = await this.api.fetch('/api/inventory?limit=500');
      if (!response.ok) return;
      const items = await response.json();
      this.querySelector('#ord-skus').replaceChildren(...items.map((i) => Object.assign(document.createElement('option'), { value: i.sku, label: `${i.sku} (${money(i.price)})` })));
    } catch { /* suggestions only */ }
  }

  async load() {
    clearTimeout(this.timer);
    let orders;
    try {
      const response = await this.api.fetch('/api/orders?limit=20');
      if (response.status >= 502) return this.unavailable(`orders answered ${response.status}`);
      if (!response.ok) throw new Error(`orders answered ${response.status}`);
      orders = await response.json();
    } catch (error) {
      if (error instanceof TypeError) return this.unavailable('no answer from orders');
      this.querySelector('[data-role=summary]').textContent = error.message;
      return;
    }
    if (!this.connected) return;
    for (const order of orders) {
      const before = this.statuses.get(order.orderId);
      if (before && before !== order.status) announce('shop:order-updated', { orderId: order.orderId, status: order.status });
      this.statuses.set(order.orderId, order.status);
    }
    this.render(orders);
    // Live status without reloading: poll every second while any order is still Pending.
    // A cancellation keeps the order's status until it is done: watch a while after one is asked.
    if (orders.some((o) => o.status === 'Pending') || Date.now() < (this.watchUntil ?? 0)) this.timer = setTimeout(() => this.load(), 1000);
  }

  render(orders) {
    this.querySelector('tbody').replaceChildren(...orders.map((order) => {
      const row = document.createElement('tr');
      row.dataset.orderId = order.orderId;
      row.dataset.status = order.status;
      const id = document.createElement('td');
      id.textContent = order.orderId.slice(0, 8);
      id.title = order.orderId;
      const status = document.createElement('td');
      const badge = document.createElement('span');
      badge.className = `badge ${order.status}`;
      badge.textContent = order.status + (order.cancellationReason ? ` (${order.cancellationReason})` : '');
      status.append(badge);
      const total = document.createElement('td');
      total.className = 'num';
      total.textContent = money(order.total);
      const items = document.createElement('td');
      items.textContent = (order.items ?? []).map((i) => `${i.quantity} x ${i.sku}`).join(', ');
      const action = document.createElement('td');
      if (order.status !== 'Cancelled' && this.session?.role !== 'admin') {
        const cancel = document.createElement('button');
        cancel.type = 'button';
        cancel.className = 'secondary';
        cancel.textContent = 'Cancel';
        cancel.setAttribute('aria-label', `Cancel order ${order.orderId.slice(0, 8)}`);
        cancel.addEventListener('click', () => this.cancel(order.orderId, cancel));
        action.append(cancel);
      }
      row.append(id, status, total, items, action);
      return row;
    }));
    const pending = orders.filter((o) => o.status === 'Pending').length;
    this.querySelector('[data-role=summary]').textContent = orders.length === 0 ? 'No orders yet.'
      : `${orders.length} recent order${orders.length === 1 ? '' : 's'}${pending ? `, ${pending} pending (updating live)` : ''}.`;
  }

  async place(event) {
    event.preventDefault();
    const form = event.target;
    const error = this.querySelector('[data-role=place-error]');
    const button = form.querySelector('button[type=submit]');
    error.textContent = '';
    button.disabled = true;
    try {
      const response = await this.api.fetch('/api/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.getRandomValues(new Uint32Array(4)).join('-') },
        body: JSON.stringify({
          items: [{ sku: form.sku.value.trim(), quantity: Number(form.quantity.value) }],
          shippingAddress: { line1: form.line1.value, city: form.city.value, postalCode: form.postalCode.value, country: form.country.value },
        }),
      });
      if (response.status >= 502) return this.unavailable(`orders answered ${response.status}`);
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        error.textContent = body.errors ? Object.values(body.errors).flat().join(' ') : (body.detail ?? `The order was refused (${response.status}).`);
        return;
      }
      announce('shop:order-placed', { orderId: body.orderId });
      this.statuses.set(body.orderId, body.status);
      await this.load();
    } catch {
      this.unavailable('no answer from orders');
    } finally {
      button.disabled = false;
    }
  }

  async cancel(orderId, button) {
    button.disabled = true;
    const response = await this.api.fetch(`/api/orders/${encodeURIComponent(orderId)}/cancel`, { method: 'POST' }).catch(() => null);
    if (!response || response.status >= 502) return this.unavailable('orders did not answer');
    this.watchUntil = Date.now() + 30000;
    await this.load();
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopOrders);
