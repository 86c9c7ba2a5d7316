// The pattern that holds (ES module, node-postgres): one small pg.Pool per
// instance, made once at load time and reused by every invocation the
// instance serves, pointed at DATABASE_PROXY_URL, the emulator's connection
// pool in pooled mode. Instances hold a connection only while a query runs.
// Needs `npm install pg` in this folder (see README.md). Debian's and older
// npm releases of pg are CommonJS only: import the default export.
import pg from "pg";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_PROXY_URL,
  max: 1, // one invocation at a time per instance: one connection is enough
  idleTimeoutMillis: 30_000,
  // No connect timeout of its own: the function's timeoutSeconds bounds the
  // wait, and 120 instances starting at once on a small machine can take seconds.
});

export const handler = async (event) => {
  const limit = Number(event.queryStringParameters?.limit ?? 10);
  const client = await pool.connect();
  try {
    const result = await client.query("SELECT id, name, email FROM users ORDER BY id LIMIT $1", [limit]);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result.rows) };
  } finally {
    client.release(); // back to this instance's pool, not closed
  }
};
