-- Schema and sample data for the example functions (Functions/users, Functions/orders).
-- The managed PostgreSQL applies this file once, as role app in database app,
-- when it creates the cluster (runtime.json "database": {"setup": ...}).
-- To apply it again, remove .emulator/ (the cluster) and restart the emulator.

CREATE TABLE users (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    -- What the user can still spend; an order that would take it below zero fails.
    balance     numeric(12, 2) NOT NULL CHECK (balance >= 0),
    order_count integer NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    integer NOT NULL REFERENCES users (id),
    amount     numeric(12, 2) NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_user_id ON orders (user_id);

-- 500 users with a balance of 100.00 each.
INSERT INTO users (id, name, email, balance)
SELECT n,
       (ARRAY['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret'])[1 + n % 8]
           || ' ' ||
       (ARRAY['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Knuth'])[1 + n % 7],
       'user' || n || '@example.com',
       100.00
FROM generate_series(1, 500) AS n;
