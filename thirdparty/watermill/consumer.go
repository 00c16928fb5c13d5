package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// joinReporter is a Kafka subscriber tracer, the library's hook around the consumer group
// handler, used here only to say when the group join has completed: sarama calls Setup once per
// session, after the join and sync, whatever partitions (possibly none) were assigned.
type joinReporter struct{}

func (joinReporter) WrapConsumer(c sarama.Consumer) sarama.Consumer { return c }
func (joinReporter) WrapPartitionConsumer(pc sarama.PartitionConsumer) sarama.PartitionConsumer {
	return pc
}
func (joinReporter) WrapSyncProducer(_ *sarama.Config, p sarama.SyncProducer) sarama.SyncProducer {
	return p
}
func (joinReporter) WrapConsumerGroupHandler(h sarama.ConsumerGroupHandler) sarama.ConsumerGroupHandler {
	return joinedHandler{h}
}

type joinedHandler struct{ sarama.ConsumerGroupHandler }

func (h joinedHandler) Setup(s sarama.ConsumerGroupSession) error {
	fmt.Fprintf(os.Stdout, "consumer joined group (generation %d, claims %v)\n", s.GenerationID(), s.Claims())
	return h.ConsumerGroupHandler.Setup(s)
}

type effectInput struct {
	Amount int64 `json:"amount"`
	Seq    int64 `json:"seq"`
}

type effectHandler struct {
	pool  *pgxpool.Pool
	topic string
}

// handle applies one event's effect at most once: the inbox row and the effect commit together,
// and an event id already in the inbox is skipped. Returning nil acks the message, after which
// the Kafka subscriber marks its offset for the group's commit.
func (h effectHandler) handle(msg *message.Message) error {
	aggregate := msg.Metadata.Get(metaAggregateID)
	var in effectInput
	if err := json.Unmarshal(msg.Payload, &in); err != nil || aggregate == "" {
		// Not a ledger event: nothing to apply. Acking it keeps the partition moving; the
		// checker counts anything the relay should not have published.
		fmt.Fprintf(os.Stderr, "skipping message %s: not a ledger event\n", msg.UUID)
		return nil
	}
	partition, _ := kafka.MessagePartitionFromCtx(msg.Context())
	offset, _ := kafka.MessagePartitionOffsetFromCtx(msg.Context())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tx, err := h.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	tag, err := tx.Exec(ctx,
		`INSERT INTO inbox (event_id, topic, partition, "offset") VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
		msg.UUID, h.topic, partition, offset)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		crashPoint("consumer.before-effect")
		if err := applyEffect(ctx, tx, msg.UUID, aggregate, in); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	crashPoint("consumer.after-effect-before-offset")
	return nil
}

// applyEffect is the ledger's effect of one event: an effects-log row and the account projection.
func applyEffect(ctx context.Context, tx pgx.Tx, eventID, aggregate string, in effectInput) error {
	if _, err := tx.Exec(ctx, `INSERT INTO effects (event_id, account_id, seq, amount) VALUES ($1, $2, $3, $4)`,
		eventID, aggregate, in.Seq, in.Amount); err != nil {
		return err
	}
	_, err := tx.Exec(ctx,
		`INSERT INTO projections (account_id, balance, last_seq, applied) VALUES ($1, $2, $3, 1)
		 ON CONFLICT (account_id) DO UPDATE
		   SET balance = projections.balance + EXCLUDED.balance, last_seq = EXCLUDED.last_seq, applied = projections.applied + 1`,
		aggregate, in.Amount, in.Seq)
	return err
}

// The consumer: Watermill's Kafka subscriber in the run's consumer group, driven by a Watermill
// router whose one handler applies effects through the inbox.
func runConsumer(ctx context.Context) {
	logger := newLogger("consumer")
	topic := required("TOPIC")
	pool := newPool(ctx, intEnv("PG_POOL_SIZE", 4, 1))
	defer pool.Close()

	saramaConfig := kafka.DefaultSaramaSubscriberConfig()
	// As the library's documentation of DefaultSaramaSubscriberConfig shows: a group with no
	// committed offset yet starts at the oldest message, not the newest, or a consumer that
	// joins after the first publish would never see it.
	saramaConfig.Consumer.Offsets.Initial = sarama.OffsetOldest
	saramaConfig.Consumer.Group.Session.Timeout = time.Duration(intEnv("SESSION_TIMEOUT_MS", 10_000, 1)) * time.Millisecond
	subscriber, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers:               brokers(),
		Unmarshaler:           kafka.DefaultMarshaler{},
		OverwriteSaramaConfig: saramaConfig,
		ConsumerGroup:         required("GROUP_ID"),
		Tracer:                joinReporter{},
	}, logger)
	if err != nil {
		fatal("cannot create the Kafka subscriber: %v", err)
	}

	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, logger)
	if err != nil {
		fatal("cannot create the router: %v", err)
	}
	h := effectHandler{pool: pool, topic: topic}
	router.AddConsumerHandler("ledger-effects", topic, subscriber, h.handle)
	go func() {
		<-ctx.Done()
		_ = router.Close()
	}()
	if err := router.Run(ctx); err != nil {
		fatal("router stopped: %v", err)
	}
}
