package dev.outboxchaos.modulith;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The business transaction: account rows and ledger rows, and one application event per changed account,
 * published inside the transaction. Publishing is all the application does for the outbox: Spring Modulith's
 * event multicaster writes the publication row into this same transaction, and its externalizer sends the
 * event to Kafka once the transaction has committed.
 */
@Service
class LedgerService {

	record Leg(String account, long amount) {
	}

	record Op(String opId, List<Leg> legs, boolean abort, long holdMs, String memo) {
	}

	sealed interface Outcome permits Committed, RolledBack, Failed, Unknown {
	}

	record Committed(List<LedgerEvent> events) implements Outcome {
	}

	record RolledBack() implements Outcome {
	}

	/** Nothing can have committed: the COMMIT was never sent. */
	record Failed(String error) implements Outcome {
	}

	/** The COMMIT was sent and its answer is not known. */
	record Unknown(String error) implements Outcome {
	}

	private final JdbcTemplate jdbc;
	private final TransactionTemplate tx;
	private final ApplicationEventPublisher events;

	LedgerService(JdbcTemplate jdbc, PlatformTransactionManager transactions, ApplicationEventPublisher events) {
		this.jdbc = jdbc;
		this.tx = new TransactionTemplate(transactions);
		this.events = events;
	}

	Outcome execute(Op op) {
		AtomicBoolean commitSent = new AtomicBoolean();
		try {
			List<LedgerEvent> committed = tx.execute(status -> {
				List<LedgerEvent> recorded = new ArrayList<>();
				// Lock accounts in a fixed order so concurrent transfers cannot deadlock.
				List<Leg> legs = new ArrayList<>(op.legs());
				legs.sort(Comparator.comparing(Leg::account));
				for (Leg leg : legs) {
					LedgerEvent event = applyLeg(op, leg);
					events.publishEvent(event);
					recorded.add(event);
				}
				if (op.holdMs() > 0) sleep(op.holdMs());
				if (op.abort()) {
					status.setRollbackOnly();
					return null;
				}
				CrashPoints.pass("app.before-commit");
				commitSent.set(true);
				return recorded;
			});
			if (committed == null) return new RolledBack();
			CrashPoints.pass("app.after-commit");
			return new Committed(committed);
		} catch (RuntimeException | Error e) {
			String error = String.valueOf(e.getMessage());
			return commitSent.get() ? new Unknown(error) : new Failed(error);
		}
	}

	private LedgerEvent applyLeg(Op op, Leg leg) {
		jdbc.update("INSERT INTO accounts (id) VALUES (?) ON CONFLICT DO NOTHING", leg.account());
		long[] row = jdbc.queryForObject(
				"UPDATE accounts SET balance = balance + ?, version = version + 1 WHERE id = ? RETURNING balance, version",
				(rs, i) -> new long[] { rs.getLong(1), rs.getLong(2) }, leg.amount(), leg.account());
		long balanceAfter = row[0];
		long seq = row[1];
		UUID eventId = UUID.randomUUID();
		String eventType = leg.amount() > 0 ? "AccountCredited" : "AccountDebited";
		jdbc.update(
				"INSERT INTO ledger (event_id, op_id, account_id, seq, event_type, amount, balance_after, memo) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				eventId, UUID.fromString(op.opId()), leg.account(), seq, eventType, leg.amount(), balanceAfter, op.memo());
		return new LedgerEvent(eventId.toString(), op.opId(), leg.account(), leg.amount(), balanceAfter, seq, op.memo());
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while holding the transaction", e);
		}
	}
}
