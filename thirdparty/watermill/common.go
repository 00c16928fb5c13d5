// Process-wide plumbing shared by the three roles: environment, logging, crash points, the pool.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The topic of the SQL Pub/Sub that the Forwarder listens to: the app publishes its enveloped
// events there, in the business transaction. Its table is watermill_outbox.
const forwarderSQLTopic = "outbox"

// Message metadata the app sets. The Kafka marshaler turns metadata into record headers, and the
// partition key comes from the aggregate id.
const (
	metaAggregateID  = "aggregate_id"
	metaAggregateSeq = "aggregate_seq"
	metaEventType    = "event_type"
)

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func required(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fatal("missing environment variable %s", name)
	}
	return v
}

func optional(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func intEnv(name string, fallback, min int) int {
	v := os.Getenv(name)
	if v == "" {
		return fallback
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		fatal("%s must be an integer >= %d, got %q", name, min, v)
	}
	return n
}

func brokers() []string {
	return strings.Split(required("KAFKA_BROKERS"), ",")
}

// newLogger logs the library's own messages as text lines on stderr, which the harness keeps as
// the process's log. WATERMILL_LOG=debug shows per-message acks and nacks.
func newLogger(role string) watermill.LoggerAdapter {
	level := slog.LevelInfo
	switch os.Getenv("WATERMILL_LOG") {
	case "debug":
		level = slog.LevelDebug
	case "trace":
		level = slog.LevelDebug - 4
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	return watermill.NewSlogLogger(slog.New(h).With("role", role))
}

// newPool opens a pgx pool on DATABASE_URL. Connections fail fast so that a partitioned database
// shows as an error rather than a hang.
func newPool(ctx context.Context, size int) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(required("DATABASE_URL"))
	if err != nil {
		fatal("DATABASE_URL: %v", err)
	}
	cfg.MaxConns = int32(size)
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		fatal("cannot open the database pool: %v", err)
	}
	return pool
}

// Crash points: named places where the process kills itself with SIGKILL when told to, as a power
// cut would. OUTBOX_CRASH_AT holds the spec fixed at start; OUTBOX_CRASH_FILE names a file read at
// every pass (text after # ignored), whose change resets the pass counts.
var knownCrashPoints = map[string]bool{
	"app.before-commit": true, "app.after-commit": true,
	"relay.after-publish-before-mark": true,
	"consumer.before-effect":          true, "consumer.after-effect-before-offset": true,
}

type crashRule struct {
	nth         int
	probability float64
}

var crashSpecEntry = regexp.MustCompile(`^([a-z.-]+)(?::([0-9.]+)|@(\d+))$`)

func parseCrashSpec(spec string) (map[string]crashRule, error) {
	rules := map[string]crashRule{}
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		m := crashSpecEntry.FindStringSubmatch(entry)
		if m == nil || !knownCrashPoints[m[1]] {
			return nil, fmt.Errorf("%q is not <point>:<probability> or <point>@<n> with a known point", entry)
		}
		if m[2] != "" {
			p, _ := strconv.ParseFloat(m[2], 64)
			rules[m[1]] = crashRule{probability: p}
		} else {
			n, _ := strconv.Atoi(m[3])
			rules[m[1]] = crashRule{nth: n}
		}
	}
	return rules, nil
}

var crash = struct {
	sync.Mutex
	env      map[string]crashRule
	rules    map[string]crashRule
	fileText string
	passes   map[string]int
}{passes: map[string]int{}}

func initCrashPoints() {
	rules, err := parseCrashSpec(os.Getenv("OUTBOX_CRASH_AT"))
	if err != nil {
		fatal("OUTBOX_CRASH_AT: %v", err)
	}
	crash.env, crash.rules = rules, rules
}

func crashPoint(point string) {
	crash.Lock()
	defer crash.Unlock()
	if file := os.Getenv("OUTBOX_CRASH_FILE"); file != "" {
		raw, _ := os.ReadFile(file) // no file: nothing armed beyond the env spec
		if text := string(raw); text != crash.fileText {
			crash.fileText = text
			merged := map[string]crashRule{}
			for k, v := range crash.env {
				merged[k] = v
			}
			fromFile, err := parseCrashSpec(strings.TrimSpace(strings.SplitN(text, "#", 2)[0]))
			if err != nil {
				fmt.Fprintf(os.Stderr, "OUTBOX_CRASH_FILE %s: %v\n", file, err)
			}
			for k, v := range fromFile {
				merged[k] = v
			}
			crash.rules = merged
			crash.passes = map[string]int{}
		}
	}
	rule, ok := crash.rules[point]
	if !ok {
		return
	}
	crash.passes[point]++
	pass := crash.passes[point]
	fire := (rule.nth > 0 && pass == rule.nth) || (rule.nth == 0 && rand.Float64() < rule.probability)
	if fire {
		fmt.Fprintf(os.Stderr, "crash point %s fired (pass %d)\n", point, pass)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}
