// The payments service's fragment: the caller's wallet; admins look up and top up any customer's.
export const tag = 'shop-wallet';

class ShopWallet extends HTMLElement {
  connectedCallback() {
    const admin = this.session?.role === 'admin';
    this.customer = admin ? '' : this.session?.username ?? '';
    this.innerHTML = `
      <p class="balance" aria-live="polite"><span class="muted">Balance</span><br><strong data-role="balance" style="font-size:1.6rem">...</strong></p>
      ${admin ? `
      <form data-role="top-up" aria-label="Set a customer's balance">
        <div class="row">
          <div><label for="wal-customer">Customer</label><input id="wal-customer" name="customer" required autocomplete="off"></div>
          <div><label for="wal-balance">New balance</label><input id="wal-balance" name="balance" type="number" min="0" step="0.01"></div>
        </div>
        <div class="row"><button type="button" class="secondary" data-action="show">Show</button><button type="submit">Set balance</button></div>
        <p class="error" data-role="error" role="alert"></p>
      </form>` : ''}`;
    const form = this.querySelector('form[data-role=top-up]');
    form?.addEventListener('submit', (e) => this.topUp(e));
    this.querySelector('[data-action=show]')?.addEventListener('click', () => { this.customer = form.customer.value.trim(); this.load(); });
    this.refresh = () => { this.load(); setTimeout(() => this.connected && this.load(), 1500); };
    document.addEventListener('shop:order-placed', this.refresh);
    document.addEventListener('shop:order-updated', this.refresh);
    this.connected = true;
    this.load();
  }

  disconnectedCallback() {
    this.connected = false;
    document.removeEventListener('shop:order-placed', this.refresh);
    document.removeEventListener('shop:order-updated', this.refresh);
  }

  unavailable(reason) {
    this.dispatchEvent(new CustomEvent('fragment-unavailable', { bubbles: true, composed: true, detail: { reason } }));
  }

  show(text) {
    this.querySelector('[data-role=balance]').textContent = text;
  }

  async load() {
    if (!this.customer) return this.show('Pick a customer');
    try {
      const response = await this.api.fetch(`/api/payments/accounts/${encodeURIComponent(this.customer)}`);
      if (response.status >= 502) return this.unavailable(`payments answered ${response.status}`);
      if (response.status === 404) return this.show('No wallet yet');
      if (!response.ok) return this.show(`Cannot read (${response.status})`);
      const wallet = await response.json();
      if (this.connected) this.show(Number(wallet.balance).toFixed(2));
    } catch {
      this.unavailable('no answer from payments');
    }
  }

  async topUp(event) {
    event.preventDefault();
    const form = event.target;
    this.customer = form.customer.value.trim();
    const error = this.querySelector('[data-role=error]');
    error.textContent = '';
    const response = await this.api.fetch(`/api/payments/accounts/${encodeURIComponent(this.customer)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ balance: Number(form.balance.value) }),
    }).catch(() => null);
    if (!response || response.status >= 502) return this.unavailable('payments did not answer');
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.errors ? Object.values(problem.errors).flat().join(' ') : (problem.detail ?? `Failed (${response.status}).`);
      return;
    }
    this.load();
  }
}

if (!customElements.get(tag)) customElements.define(tag, ShopWallet);
