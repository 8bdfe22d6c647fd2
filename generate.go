package main

// One chain regenerates everything generated in this module, in order: ent and the entgql
// schema first, then the gqlgen executor and models from all of schema/*.graphql; last the
// manifest of the app's trusted documents (schema/app-operations).
//go:generate go run ./ent/entc.go
//go:generate go tool gqlgen generate
//go:generate go run . trusted-documents -o internal/graphql/persisted/manifest.json
