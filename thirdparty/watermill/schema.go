package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
)

// printSchema prints the SQL the manifest applies to the template database: the ledger tables
// every SUT here serves, then the tables Watermill's PostgreSQL schema and offsets adapters would
// create on start-up (printed from the library itself, so they follow its version), then the
// consumer's inbox. Runs in the manifest's folder.
func printSchema() {
	ledger, err := os.ReadFile(filepath.Join("..", "..", "reference-impl", "ledger.sql"))
	if err != nil {
		fatal("cannot read the ledger schema: %v", err)
	}
	fmt.Println(string(ledger))
	params := sql.SchemaInitializingQueriesParams{Topic: forwarderSQLTopic}
	// Without the advisory lock the library takes when several processes initialise at once.
	schema := sql.DefaultPostgreSQLSchema{InitializeSchemaWithoutTransaction: true}
	queries, err := schema.SchemaInitializingQueries(params)
	if err != nil {
		fatal("%v", err)
	}
	offsets, err := sql.DefaultPostgreSQLOffsetsAdapter{}.SchemaInitializingQueries(
		sql.OffsetsSchemaInitializingQueriesParams{Topic: forwarderSQLTopic})
	if err != nil {
		fatal("%v", err)
	}
	fmt.Println("-- Watermill's SQL Pub/Sub tables for the Forwarder's topic, as its adapters create them.")
	for _, q := range append(queries, offsets...) {
		fmt.Printf("%s;\n", strings.TrimSuffix(strings.TrimSpace(q.Query), ";"))
	}
	fmt.Print(`
-- The consumer's inbox: one row per event id it has applied, written in the effect's transaction.
CREATE TABLE inbox (
  event_id    uuid PRIMARY KEY,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`)
}
