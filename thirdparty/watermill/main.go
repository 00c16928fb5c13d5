// One binary for the Watermill SUT's roles; the manifest starts it once per process.
//
//	watermill-sut app       the ledger app: business rows and a Forwarder-enveloped message, one transaction
//	watermill-sut relay     Watermill's Forwarder: SQL subscriber -> Kafka publisher
//	watermill-sut consumer  a Watermill Kafka subscriber applying effects once through an inbox table
//	watermill-sut schema    prints the schema: the ledger tables, the library's tables, the inbox
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) != 2 {
		fatal("usage: watermill-sut app|relay|consumer|schema")
	}
	initCrashPoints()
	// SIGTERM is the harness's graceful stop: cancel the context and let the role wind down.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	switch os.Args[1] {
	case "app":
		runApp(ctx)
	case "relay":
		runRelay(ctx)
	case "consumer":
		runConsumer(ctx)
	case "schema":
		printSchema()
	default:
		fatal("unknown role %q: expected app, relay, consumer or schema", os.Args[1])
	}
}
