// The inventory service's fragment: the catalogue (every SKU's price and stock); admins set stock and price.
export const tag = 'shop-inventory';

const money = (n) => Number(n).toFixed(2);

class ShopInventory extends HTMLElement {
  connectedCallback() {
    this.innerHTML = `
      <div class="row">
        <div><label for="inv-filter">Find a SKU</label><input id="inv-filter" type="search" autocomplete="off"></div>
        <button type="button" class="secondary" data-action="refresh">Refresh</button>
      </div>
      <p class="muted" data-role="summary" aria-live="polite">Loading the catalogue...</p>
      <table>
        <caption class="sr-only">Catalogue</caption>
        <thead><tr><th scope="col">SKU</th><th scope="col" class="num">Price</th><th scope="col" class="num">Available</th><th scope="col" class="num hide-narrow">Reserved</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
        <tbody></tbody>
      </table>
      ${this.session?.role === 'admin' ? `
      <form data-role="put" class="row" aria-label="Set stock and price">
        <div><label for="inv-sku">SKU</label><input id="inv-sku" name="sku" required pattern="[A-Za-z0-9._-]{1,64}"></div>
        <div><label for="inv-available">Available</label><input id="inv-available" name="available" type="number" min="0" step="1" required></div>
        <div><label for="inv-price">Price</label><input id="inv-price" name="price" type="number" min="0.01" step="0.01" required></div>
        <button type="submit">Save</button>
      </form>
      <p class="error" data-role="put-error" role="alert"></p>` : ''}`;
    this.items = [];
    this.querySelector('#inv-filter').addEventListener('input', () => this.render());
    this.querySelector('[data-action=refresh]').addEventListener('click', () => this.load());
    this.querySelector('form[data-role=put]')?.addEventListener('submit', (e) => this.put(e));
    this.refresh = () => this.load();
    document.addEventListener('shop:order-placed', this.refresh);
    document.addEventListener('shop:order-updated', this.refresh);
    this.load();
  }

  disconnectedCallback() {
    document.removeEventListener('shop:order-placed', this.refresh);
    document.removeEventListener('shop:order-updated', this.refresh);
  }

  unavailable(reason) {
    this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason } }));
  }

  /** Every page of the catalogue (it follows the Link header), up to 1000 items. */
  async load() {
    const items = [];
    let next = '/api/inventory?limit=200';
    try {
      while (next && items.length < 1000) {
        const response = await this.api.fetch(next);
        if (response.status >= 502) return this.unavailable(`inventory answered ${response.status}`);
        if (!response.ok) throw new Error(`inventory answered ${response.status}`);
        items.push(...await response.json());
        next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('Link') ?? '')?.[1];
      }
    } catch (error) {
      if (error instanceof TypeError) return this.unavailable('no answer from inventory');
      this.querySelector('[data-role=summary]').textContent = error.message;
      return;
    }
    this.items = items;
    this.render();
  }

  render() {
    const filter = this.querySelector('#inv-filter').value.trim().toLowerCase();
    const shown = this.items.filter((i) => i.sku.toLowerCase().includes(filter));
    const body = this.querySelector('tbody');
    body.replaceChildren(...shown.slice(0, 200).map((item) => {
      const row = document.createElement('tr');
      row.dataset.sku = item.sku;
      for (const [text, cls] of [[item.sku, ''], [money(item.price), 'num'], [item.available, 'num'], [item.reserved, 'num hide-narrow']]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      const action = document.createElement('td');
      const order = document.createElement('button');
      order.type = 'button';
      order.className = 'secondary';
      order.textContent = 'Order';
      order.setAttribute('aria-label', `Order ${item.sku}`);
      order.disabled = item.available < 1;
      // The orders fragment may listen; the catalogue does not need it to be there.
      order.addEventListener('click', () => document.dispatchEvent(new CustomEvent('shop:select-sku', { detail: { sku: item.sku, price: item.price } })));
      action.append(order);
      row.append(action);
      return row;
    }));
    this.querySelector('[data-role=summary]').textContent =
      `${shown.length} of ${this.items.length} SKUs${shown.length > 200 ? ' (first 200 shown: narrow the search)' : ''}.`;
  }

  async put(event) {
    event.preventDefault();
    const form = event.target;
    const error = this.querySelector('[data-role=put-error]');
    error.textContent = '';
    const response = await this.api.fetch(`/api/inventory/${encodeURIComponent(form.sku.value.trim())}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ available: Number(form.available.value), price: Number(form.price.value) }),
    }).catch(() => null);
    if (!response || response.status >= 502) return this.unavailable('inventory did not answer');
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.errors ? Object.values(problem.errors).flat().join(' ') : (problem.detail ?? `Failed (${response.status}).`);
      return;
    }
    form.reset();
    this.load();
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopInventory);
