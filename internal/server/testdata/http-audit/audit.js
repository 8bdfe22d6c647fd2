// Runs graphql-http's server audits (the GraphQL over HTTP spec's conformance suite)
// against AUDIT_URL, signed in when AUDIT_TOKEN is set, and prints one JSON line per
// audit: {"id","name","status","reason"}. Run by internal/server/httpaudit_test.go.
'use strict';
const { serverAudits } = require('graphql-http');

const url = process.env.AUDIT_URL;
const token = process.env.AUDIT_TOKEN;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('Authorization', 'Bearer ' + token);
  return fetch(input, { ...init, headers });
};

(async () => {
  for (const audit of serverAudits({ url, fetchFn })) {
    const r = await audit.fn();
    console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.status === 'ok' ? '' : r.reason }));
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
