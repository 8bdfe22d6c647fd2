// Package model holds the GraphQL input and payload types that are not ent entities.
// gqlgen generates models_gen.go here.
package model
