-- Runs once, when the postgres container initialises an empty data directory (docker-entrypoint-initdb.d),
-- connected as the superuser `postgres` to POSTGRES_DB (wallet_test).
-- The wallet gets its own role, NOT a superuser, owning its database: tests connect as `postgres` and can
-- kill the wallet's connections (pg_terminate_backend ... WHERE usename = 'wallet_api') without touching
-- anyone else's. Local-only credentials: they match WALLET_DATABASE_URL's local default.
CREATE ROLE wallet_api LOGIN PASSWORD 'wallet_api' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER DATABASE wallet_test OWNER TO wallet_api;
GRANT ALL ON SCHEMA public TO wallet_api;
