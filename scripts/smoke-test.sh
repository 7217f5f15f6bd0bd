#!/usr/bin/env bash
# Smoke test through a gateway (API Management in Azure, or the local gateway): sign in, stock a new
# SKU, top up a customer's wallet, place an order and wait until the saga confirms it.
#
#   scripts/smoke-test.sh <baseUrl>          e.g. https://apim-xyz.azure-api.net or http://127.0.0.1:8080
#
# Credentials come from the environment; unset, they are the local demo users (local mode only):
#   SMOKE_ADMIN_USER (admin)  SMOKE_ADMIN_PASSWORD    SMOKE_CUSTOMER (alice)  SMOKE_CUSTOMER_PASSWORD
# SMOKE_TIMEOUT_SECONDS (180) bounds the wait; SMOKE_COUNTRY (US) is the shipping country.
# Needs bash, curl and jq. Prints "smoke: order <id> Confirmed" and exits 0, or says what failed and exits 1.
set -euo pipefail

base="${1:?usage: smoke-test.sh <baseUrl>}"
base="${base%/}"
admin="${SMOKE_ADMIN_USER:-admin}"
admin_password="${SMOKE_ADMIN_PASSWORD:-$admin-password}"
customer="${SMOKE_CUSTOMER:-alice}"
customer_password="${SMOKE_CUSTOMER_PASSWORD:-$customer-password}"
timeout="${SMOKE_TIMEOUT_SECONDS:-180}"
country="${SMOKE_COUNTRY:-US}"
run="smoke-$(date +%s)-$RANDOM"

fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

# call METHOD PATH [TOKEN] [BODY] [EXTRA CURL ARGS...]: sets $status and $response.
call() {
  local method="$1" path="$2" token="${3:-}" body="${4:-}"
  shift $(( $# < 4 ? $# : 4 ))
  local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$method" -H "x-correlation-id: $run" --max-time 30)
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  status=$(curl "${args[@]}" "$@" "$base$path") || fail "$method $path: no answer from $base"
  response=$(cat "$tmp/body")
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

token() {
  call POST /auth/token "" "$(jq -n --arg u "$1" --arg p "$2" '{username: $u, password: $p}')"
  [ "$status" = 200 ] || fail "sign-in as $1: HTTP $status $response"
  jq -er .accessToken <<<"$response"
}

echo "smoke: $base (correlation id $run)"
admin_token=$(token "$admin" "$admin_password")
customer_token=$(token "$customer" "$customer_password")

sku="SMOKE-${run#smoke-}"
call PUT "/api/inventory/$sku" "$admin_token" '{"available": 5, "price": 1.25}'
[ "$status" = 200 ] || fail "stock $sku: HTTP $status $response"

# Top up rather than overwrite: the wallet may hold a real balance.
call GET "/api/payments/accounts/$customer" "$admin_token"
case "$status" in
  200) balance=$(jq -r .balance <<<"$response") ;;
  404) balance=0 ;;
  *) fail "read $customer's wallet: HTTP $status $response" ;;
esac
# In cents, so no binary fraction reaches the JSON (money has at most 2 decimals).
cents=$(jq -n --argjson b "$balance" '($b * 100 | round) + 250')
call PUT "/api/payments/accounts/$customer" "$admin_token" "{\"balance\": $((cents / 100)).$(printf '%02d' $((cents % 100)))}"
[ "$status" = 200 ] || fail "top up $customer's wallet: HTTP $status $response"

order=$(jq -n --arg sku "$sku" --arg country "$country" \
  '{items: [{sku: $sku, quantity: 2}], shippingAddress: {line1: "1 Smoke Street", city: "Testville", postalCode: "12345", country: $country}}')
call POST /api/orders "$customer_token" "$order" -H "Idempotency-Key: $run"
[ "$status" = 202 ] || fail "place order: HTTP $status $response"
order_id=$(jq -er .orderId <<<"$response")
echo "smoke: order $order_id placed"

deadline=$(( $(date +%s) + timeout ))
while :; do
  call GET "/api/orders/$order_id" "$customer_token"
  [ "$status" = 200 ] || fail "read order $order_id: HTTP $status $response"
  case "$(jq -r .status <<<"$response")" in
    Confirmed) echo "smoke: order $order_id Confirmed"; exit 0 ;;
    Cancelled) fail "order $order_id Cancelled ($(jq -r .cancellationReason <<<"$response"))" ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "order $order_id still $(jq -r .status <<<"$response") after ${timeout}s"
  sleep 2
done
