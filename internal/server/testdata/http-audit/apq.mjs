// Apollo Client 4's PersistedQueryLink against the API in development mode, as the app's
// toolchain uses it: run by TestApolloPersistedQueryLink (internal/server/httpaudit_test.go).
// Usage: node apq.mjs URL TOKEN QUERY. Prints the requests the link made (whether each
// carried the document and the hash, and the error code answered) and the two results.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createHash } from 'node:crypto';

const [url, token, query] = process.argv.slice(2);
const calls = [];
const recordingFetch = async (uri, options) => {
  const body = JSON.parse(options.body);
  const res = await fetch(uri, options);
  const answer = await res.clone().json();
  calls.push({
    document: typeof body.query === 'string',
    hash: body.extensions?.persistedQuery?.sha256Hash ?? null,
    status: res.status,
    code: answer.errors?.[0]?.extensions?.code ?? null,
  });
  return res;
};
const link = new PersistedQueryLink({ sha256: (s) => createHash('sha256').update(s).digest('hex') })
  .concat(new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch }));
const client = new ApolloClient({ link, cache: new InMemoryCache() });
const first = await client.query({ query: gql(query), fetchPolicy: 'network-only' });
const second = await client.query({ query: gql(query), fetchPolicy: 'network-only' });
console.log(JSON.stringify({ calls, first: first.data, second: second.data }));
