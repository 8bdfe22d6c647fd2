// Starts GraphiQL from the page's configuration (a JSON data block, so that the page needs
// no inline script and its Content-Security-Policy can allow only this server's files).
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  // The nonce the page's Content-Security-Policy allows for the <style> elements GraphiQL's
  // dialogs add (react-style-singleton reads this global).
  window.__webpack_nonce__ = config.nonce;
  var loc = window.location;
  // Subscriptions: graphql-transport-ws on the same host (GraphiQL sends the header editor's
  // headers as connection_init's payload).
  var ws = (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + config.endpoint;
  var props = {
    fetcher: GraphiQL.createFetcher({ url: config.endpoint, subscriptionUrl: ws }),
    defaultQuery: config.query,
  };
  if (config.headers) {
    props.headers = config.headers;
    props.defaultHeaders = config.headers;
    props.defaultEditorToolsVisibility = 'headers';
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
