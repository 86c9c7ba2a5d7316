// The pattern that breaks under load (CommonJS, node-postgres): every
// invocation opens its own database connection and closes it again. With
// 100 instances at once that is 100 connections; past the database's
// max_connections they fail with "sorry, too many clients already" (53300).
// The DB_* variables are the emulator's (the pool in pooled mode, the
// database in direct mode); the port comes from PGPORT, which node-postgres reads.
// Needs `npm install pg` in this folder (see README.md).
const { Client } = require("pg");

exports.handler = async (event) => {
  const client = new Client({
    host: process.env.DB_HOST,
    user: process.env.DB_USER,
    password: process.env.DB_PASSWORD,
    database: process.env.DB_NAME,
  });
  await client.connect(); // a new connection for every invocation
  try {
    const limit = Number(event.queryStringParameters?.limit ?? 10);
    const result = await client.query("SELECT id, name, email FROM users ORDER BY id LIMIT $1", [limit]);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result.rows) };
  } finally {
    await client.end();
  }
};
