package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
)

// partitionKey keys each Kafka message by its aggregate, so that one account's events share a
// partition (the Kafka Pub/Sub's documented condition for ordered delivery).
func partitionKey(_ string, msg *message.Message) (string, error) {
	key := msg.Metadata.Get(metaAggregateID)
	if key == "" {
		return "", fmt.Errorf("message %s has no %s metadata", msg.UUID, metaAggregateID)
	}
	return key, nil
}

// afterPublishCrashPoint runs after the Forwarder's handler has published a message to Kafka and
// before the handler returns, that is before the SQL subscriber acks the message and stores its
// offset: the window in which a crash makes the relay publish the message again.
func afterPublishCrashPoint(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil {
			crashPoint("relay.after-publish-before-mark")
		}
		return out, err
	}
}

// The relay is Watermill's Forwarder, unchanged: a SQL subscriber on the Forwarder's topic (the
// PostgreSQL schema and offsets adapters, which order by transaction id and offset and lock the
// consumer group's offset row while a batch is in flight), unwrapping each envelope and
// publishing it with the Kafka publisher.
func runRelay(ctx context.Context) {
	logger := newLogger("relay")
	pool := newPool(ctx, intEnv("PG_POOL_SIZE", 4, 1))
	defer pool.Close()

	subscriber, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(pool), wsql.SubscriberConfig{
		SchemaAdapter:  wsql.DefaultPostgreSQLSchema{},
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{},
		// The tables come from the manifest's schema, printed from these same adapters.
		InitializeSchema: false,
	}, logger)
	if err != nil {
		fatal("cannot create the SQL subscriber: %v", err)
	}

	saramaConfig := kafka.DefaultSaramaSyncPublisherConfig()
	publisher, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               brokers(),
		Marshaler:             kafka.NewWithPartitioningMarshaler(partitionKey),
		OverwriteSaramaConfig: saramaConfig,
	}, logger)
	if err != nil {
		fatal("cannot create the Kafka publisher: %v", err)
	}

	fwd, err := forwarder.NewForwarder(subscriber, publisher, logger, forwarder.Config{
		ForwarderTopic: forwarderSQLTopic,
		Middlewares:    []message.HandlerMiddleware{afterPublishCrashPoint},
		// The harness allows 10 s for a graceful stop.
		CloseTimeout: 5 * time.Second,
	})
	if err != nil {
		fatal("cannot create the forwarder: %v", err)
	}
	go func() {
		<-fwd.Running()
		fmt.Fprintln(os.Stdout, "relay started")
	}()
	go func() {
		<-ctx.Done()
		_ = fwd.Close()
	}()
	if err := fwd.Run(ctx); err != nil {
		fatal("forwarder stopped: %v", err)
	}
	_ = publisher.Close()
}
