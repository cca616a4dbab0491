-- Wallet API schema (contract section 6). Applied once, inside one transaction, by wallet_api.migrate.
-- IF NOT EXISTS keeps it harmless on a database where another implementation already created the schema.

CREATE TABLE IF NOT EXISTS wallets (
    id          uuid PRIMARY KEY,
    owner_id    text NOT NULL,
    currency    char(3) NOT NULL,
    balance     bigint NOT NULL CHECK (balance >= 0),
    status      text NOT NULL DEFAULT 'active',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (owner_id, currency)
);

CREATE TABLE IF NOT EXISTS transactions (
    id                      uuid PRIMARY KEY,
    wallet_id               uuid NOT NULL REFERENCES wallets(id),
    type                    text NOT NULL
                            CHECK (type IN ('deposit', 'withdrawal', 'transfer_in', 'transfer_out', 'credit')),
    status                  text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    amount                  bigint NOT NULL CHECK (amount > 0),
    currency                char(3) NOT NULL,
    balance_after           bigint,
    transfer_id             uuid,
    counterparty_wallet_id  uuid,
    gateway_charge_id       text,
    failure_code            text,
    created_at              timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS transfers (
    id                     uuid PRIMARY KEY,
    source_wallet_id       uuid NOT NULL REFERENCES wallets(id),
    destination_wallet_id  uuid NOT NULL REFERENCES wallets(id),
    amount                 bigint NOT NULL CHECK (amount > 0),
    currency               char(3) NOT NULL,
    status                 text NOT NULL,
    created_at             timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    owner_id       text,
    key            text,
    request_hash   text NOT NULL,
    status_code    int,
    response_body  jsonb,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (owner_id, key)
);

CREATE TABLE IF NOT EXISTS outbox (
    id            uuid PRIMARY KEY,
    type          text NOT NULL,
    routing_key   text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    published_at  timestamptz
);

CREATE TABLE IF NOT EXISTS processed_commands (
    id            text PRIMARY KEY,
    processed_at  timestamptz NOT NULL
);

-- Keyset pagination of a wallet's history (ORDER BY created_at DESC, id DESC).
CREATE INDEX IF NOT EXISTS transactions_wallet_created_idx
    ON transactions (wallet_id, created_at DESC, id DESC);
-- Webhook look-up of a deposit by the gateway's charge id.
CREATE INDEX IF NOT EXISTS transactions_gateway_charge_idx
    ON transactions (gateway_charge_id) WHERE gateway_charge_id IS NOT NULL;
-- The publisher scans only what is still unpublished, oldest first.
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx
    ON outbox (created_at, id) WHERE published_at IS NULL;
-- Retention clean-up of idempotency keys.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx
    ON idempotency_keys (created_at);
