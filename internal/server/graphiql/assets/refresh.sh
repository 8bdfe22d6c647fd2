#!/usr/bin/env bash
# Refreshes GraphiQL's pinned files from the npm registry (development time only: nothing
# downloads at build or run time). Change the versions below, run this script, then
# `go test ./internal/server/graphiql/ ./internal/server/ -run GraphiQL` and commit the result.
#
# For each package it runs `npm pack NAME@VERSION` (npm checks the tarball against the
# registry's integrity), copies the few files the page needs and the package's LICENSE,
# and writes manifest.json: name, version, tarball and its npm integrity, and for each file
# its sha256 and the SRI (sha384) the page sends. graphiql_test.go checks the embedded files
# against manifest.json.
set -euo pipefail

GRAPHIQL_VERSION=4.1.2 # the last major with a UMD build (5.x is ESM with Monaco)
REACT_VERSION=18.3.1   # GraphiQL 4's UMD build reads React 18's internals; React 19 has no UMD build

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# package@version, then "tarball path:committed path" pairs.
specs=(
  "graphiql@$GRAPHIQL_VERSION package/dist/index.umd.js:graphiql/index.umd.js package/dist/style.css:graphiql/style.css package/LICENSE:graphiql/LICENSE"
  "react@$REACT_VERSION package/umd/react.production.min.js:react/react.production.min.js package/LICENSE:react/LICENSE"
  "react-dom@$REACT_VERSION package/umd/react-dom.production.min.js:react-dom/react-dom.production.min.js package/LICENSE:react-dom/LICENSE"
)

rm -rf "$here/graphiql" "$here/react" "$here/react-dom"
entries=()
for spec in "${specs[@]}"; do
  read -r pkg files <<<"$spec"
  name="${pkg%@*}"
  version="${pkg##*@}"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  tarball="$name-$version.tgz"
  integrity="$(cd "$tmp" && npm view "$pkg" dist.integrity)"
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "$tarball: integrity $got, the registry says $integrity" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name"
  tar -xzf "$tmp/$tarball" -C "$tmp/$name"
  for pair in $files; do
    from="${pair%%:*}"
    to="${pair#*:}"
    mkdir -p "$here/$(dirname "$to")"
    cp "$tmp/$name/$from" "$here/$to"
    chmod 0644 "$here/$to"
    sha256="$(sha256sum "$here/$to" | cut -d' ' -f1)"
    sri="sha384-$(openssl dgst -sha384 -binary "$here/$to" | base64 -w0)"
    entries+=("$(printf '{"path":"%s","package":"%s","version":"%s","tarball":"%s","tarballIntegrity":"%s","from":"%s","sha256":"%s","sri":"%s"}' \
      "$to" "$name" "$version" "$tarball" "$integrity" "$from" "$sha256" "$sri")")
  done
done

{
  echo '{"files":['
  for i in "${!entries[@]}"; do
    sep=,
    [ "$i" -eq $((${#entries[@]} - 1)) ] && sep=
    echo "  ${entries[$i]}$sep"
  done
  echo ']}'
} >"$here/manifest.json"
echo "refreshed: $(printf '%s ' "${specs[@]%% *}")"
