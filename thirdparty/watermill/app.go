package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The ledger app: the write interface every SUT in this repository serves (POST /ops, GET
// /health), with the same commands and answers as the reference's ledger app. What is Watermill's
// here is how the events leave the transaction: a Watermill SQL publisher bound to the business
// transaction, decorated by the Forwarder's publisher, which wraps each message in an envelope
// naming its Kafka topic and inserts it into the Forwarder's SQL topic.

type leg struct {
	account string
	amount  int64
}

type op struct {
	opID   string
	legs   []leg
	abort  bool
	holdMs int
	memo   *string
}

type eventPayload struct {
	OpID         string  `json:"opId"`
	Account      string  `json:"account"`
	Amount       int64   `json:"amount"`
	BalanceAfter int64   `json:"balanceAfter"`
	Seq          int64   `json:"seq"`
	Memo         *string `json:"memo,omitempty"`
}

type eventRef struct {
	EventID     string `json:"event_id"`
	AggregateID string `json:"aggregate_id"`
	Seq         int64  `json:"seq"`
}

var opIDPattern = regexp.MustCompile(`(?i)^[0-9a-f-]{36}$`)

func intField(b map[string]any, field string, fallback, min, max int64) (int64, error) {
	v, ok := b[field]
	if !ok || v == nil {
		return fallback, nil
	}
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) || int64(f) < min || int64(f) > max {
		return 0, fmt.Errorf("%s must be an integer in %d..%d", field, min, max)
	}
	return int64(f), nil
}

func nameField(b map[string]any, field string) (string, error) {
	s, ok := b[field].(string)
	if !ok || s == "" || len(s) > 64 {
		return "", fmt.Errorf("%s must be a non-empty string", field)
	}
	return s, nil
}

func parseOp(raw []byte) (op, error) {
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		return op{}, errors.New("the body must be a JSON object")
	}
	o := op{}
	id, _ := b["op_id"].(string)
	if !opIDPattern.MatchString(id) {
		return op{}, errors.New("op_id must be a uuid")
	}
	o.opID = id
	amount, err := intField(b, "amount", 0, 1, 1<<53)
	if err != nil || amount == 0 {
		return op{}, errors.New("amount must be a positive integer")
	}
	repeat, err := intField(b, "repeat", 1, 1, 20)
	if err != nil {
		return op{}, err
	}
	switch b["type"] {
	case "deposit":
		account, err := nameField(b, "account")
		if err != nil {
			return op{}, err
		}
		for i := int64(0); i < repeat; i++ {
			o.legs = append(o.legs, leg{account, amount})
		}
	case "transfer":
		from, err := nameField(b, "from")
		if err != nil {
			return op{}, err
		}
		to, err := nameField(b, "to")
		if err != nil {
			return op{}, err
		}
		if from == to {
			return op{}, errors.New("from and to must differ")
		}
		o.legs = []leg{{from, -amount}, {to, amount}}
	default:
		return op{}, errors.New(`type must be "deposit" or "transfer"`)
	}
	hold, err := intField(b, "hold_ms", 0, 0, 60_000)
	if err != nil {
		return op{}, err
	}
	o.holdMs = int(hold)
	if m, present := b["memo"]; present {
		s, ok := m.(string)
		if !ok {
			return op{}, errors.New("memo must be a string")
		}
		o.memo = &s
	}
	o.abort = b["abort"] == true
	return o, nil
}

type ledgerApp struct {
	pool           *pgxpool.Pool
	topic          string
	logger         watermill.LoggerAdapter
	statementLimit time.Duration
}

// stmt bounds one statement, so that a statement stuck behind a partition fails instead of
// holding the request forever.
func (a *ledgerApp) stmt(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, a.statementLimit)
}

// applyLeg writes one leg's business rows and returns its event as a Watermill message.
func (a *ledgerApp) applyLeg(ctx context.Context, tx pgx.Tx, o op, l leg, xid *string) (*message.Message, eventRef, error) {
	c, cancel := a.stmt(ctx)
	defer cancel()
	if _, err := tx.Exec(c, `INSERT INTO accounts (id) VALUES ($1) ON CONFLICT DO NOTHING`, l.account); err != nil {
		return nil, eventRef{}, err
	}
	var balance, version int64
	// The transaction id comes back only for the log line after COMMIT: the UPDATE has already
	// been given one (a transaction gets its id at its first write), so reading it changes nothing.
	// It is the id the library's SQL publisher stores with the message (pg_current_xact_id()).
	err := tx.QueryRow(c,
		`UPDATE accounts SET balance = balance + $2, version = version + 1 WHERE id = $1 RETURNING balance, version, pg_current_xact_id()::text`,
		l.account, l.amount).Scan(&balance, &version, xid)
	if err != nil {
		return nil, eventRef{}, err
	}
	eventID := uuid.NewString()
	eventType := "AccountCredited"
	if l.amount < 0 {
		eventType = "AccountDebited"
	}
	_, err = tx.Exec(c,
		`INSERT INTO ledger (event_id, op_id, account_id, seq, event_type, amount, balance_after, memo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		eventID, o.opID, l.account, version, eventType, l.amount, balance, o.memo)
	if err != nil {
		return nil, eventRef{}, err
	}
	payload, _ := json.Marshal(eventPayload{o.opID, l.account, l.amount, balance, version, o.memo})
	// The message UUID is the event id: the Kafka marshaler carries it in its
	// _watermill_message_uuid header, which is where the manifest tells the harness to look.
	msg := message.NewMessage(eventID, payload)
	msg.Metadata.Set(metaAggregateID, l.account)
	msg.Metadata.Set(metaAggregateSeq, strconv.FormatInt(version, 10))
	msg.Metadata.Set(metaEventType, eventType)
	return msg, eventRef{eventID, l.account, version}, nil
}

type reply struct {
	status int
	body   map[string]any
}

func (a *ledgerApp) execute(ctx context.Context, o op) reply {
	commitSent := false
	failed := func(err error) reply {
		if commitSent {
			return reply{500, map[string]any{"outcome": "unknown", "error": err.Error()}}
		}
		return reply{503, map[string]any{"outcome": "failed", "error": err.Error()}}
	}
	c, cancel := a.stmt(ctx)
	tx, err := a.pool.Begin(c)
	cancel()
	if err != nil {
		return failed(err)
	}
	// Rollback after a commit is a no-op; after any failure it ends the transaction (or the
	// broken connection that carried it).
	defer func() { _ = tx.Rollback(context.Background()) }()

	legs := append([]leg(nil), o.legs...)
	// Lock accounts in a fixed order so concurrent transfers cannot deadlock.
	sort.SliceStable(legs, func(i, j int) bool { return legs[i].account < legs[j].account })
	msgs := make([]*message.Message, 0, len(legs))
	refs := make([]eventRef, 0, len(legs))
	var xid string
	for _, l := range legs {
		msg, ref, err := a.applyLeg(ctx, tx, o, l, &xid)
		if err != nil {
			return failed(err)
		}
		msgs, refs = append(msgs, msg), append(refs, ref)
	}

	// The library's outbox path: a SQL publisher on this transaction, decorated by the
	// Forwarder's publisher. One Publish call: one INSERT, offsets in the events' order.
	sqlPublisher, err := wsql.NewPublisher(wsql.TxFromPgx(tx), wsql.PublisherConfig{
		SchemaAdapter: wsql.DefaultPostgreSQLSchema{},
	}, a.logger)
	if err != nil {
		return failed(err)
	}
	publisher := forwarder.NewPublisher(sqlPublisher, forwarder.PublisherConfig{ForwarderTopic: forwarderSQLTopic})
	c, cancel = a.stmt(ctx)
	for _, m := range msgs {
		m.SetContext(c)
	}
	err = publisher.Publish(a.topic, msgs...)
	cancel()
	if err != nil {
		return failed(err)
	}

	if o.holdMs > 0 {
		time.Sleep(time.Duration(o.holdMs) * time.Millisecond)
	}
	if o.abort {
		c, cancel := a.stmt(ctx)
		defer cancel()
		if err := tx.Rollback(c); err != nil {
			return failed(err)
		}
		return reply{200, map[string]any{"outcome": "rolled-back"}}
	}
	crashPoint("app.before-commit")
	commitSent = true
	c, cancel = a.stmt(ctx)
	defer cancel()
	if err := tx.Commit(c); err != nil {
		return failed(err)
	}
	crashPoint("app.after-commit")
	// One line per committed transaction: which events it holds and under which transaction id
	// the SQL subscriber will order them, for reading an order anomaly against the log.
	var evs strings.Builder
	for i, r := range refs {
		if i > 0 {
			evs.WriteByte(',')
		}
		fmt.Fprintf(&evs, "%s:%d", r.AggregateID, r.Seq)
	}
	fmt.Fprintf(os.Stdout, "committed op=%s xid=%s events=%s\n", o.opID, xid, evs.String())
	return reply{200, map[string]any{"outcome": "committed", "events": refs}}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func runApp(ctx context.Context) {
	port := required("PORT")
	a := &ledgerApp{
		pool:           newPool(ctx, intEnv("PG_POOL_SIZE", 10, 1)),
		topic:          required("TOPIC"),
		logger:         newLogger("app"),
		statementLimit: time.Duration(intEnv("PG_QUERY_TIMEOUT_MS", 10_000, 1)) * time.Millisecond,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeJSON(w, 404, map[string]any{"error": "not found"})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true})
	})
	mux.HandleFunc("/ops", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeJSON(w, 404, map[string]any{"error": "not found"})
			return
		}
		raw := make([]byte, 0, 256)
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			raw = append(raw, buf[:n]...)
			if err != nil {
				break
			}
		}
		o, err := parseOp(raw)
		if err != nil {
			writeJSON(w, 400, map[string]any{"outcome": "failed", "error": err.Error()})
			return
		}
		// The request's own context would cancel the transaction when the client gives up; the
		// outcome must not depend on that, as in the reference app.
		res := a.execute(context.Background(), o)
		writeJSON(w, res.status, res.body)
	})
	listener, err := net.Listen("tcp", net.JoinHostPort(optional("HOST", "127.0.0.1"), port))
	if err != nil {
		fatal("cannot listen on port %s: %v", port, err)
	}
	server := &http.Server{Handler: mux, IdleTimeout: 60 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stdout, "app listening on %s\n", port)
	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fatal("app server: %v", err)
	}
	a.pool.Close()
}
