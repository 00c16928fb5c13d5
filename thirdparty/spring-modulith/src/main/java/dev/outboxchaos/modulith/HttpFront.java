package dev.outboxchaos.modulith;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The write interface every SUT here serves: POST /ops runs one business command in one transaction, GET
 * /health answers once the application context is up. The JDK's own HTTP server keeps the JVM's start short
 * after a kill; nothing of Spring Modulith depends on the web layer.
 */
@Component
@ConditionalOnProperty(name = "outbox.mode", havingValue = "app", matchIfMissing = true)
class HttpFront implements DisposableBean {

	private static final Pattern UUID_TEXT = Pattern.compile("^[0-9a-fA-F-]{36}$");

	private final LedgerService ledger;
	private final JsonMapper json = JsonMapper.builder().build();
	private final int port;
	private HttpServer server;
	private ExecutorService workers;

	HttpFront(LedgerService ledger, @Value("${PORT}") int port) {
		this.ledger = ledger;
		this.port = port;
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() throws IOException {
		workers = Executors.newFixedThreadPool(64);
		server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
		server.setExecutor(workers);
		server.createContext("/", this::handle);
		server.start();
		System.out.println("app listening on " + port);
		System.out.flush();
	}

	@Override
	public void destroy() {
		if (server != null) server.stop(0);
		if (workers != null) workers.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try {
			String method = exchange.getRequestMethod();
			String path = exchange.getRequestURI().getPath();
			if (method.equals("GET") && path.equals("/health")) {
				reply(exchange, 200, Map.of("ok", true));
				return;
			}
			if (!method.equals("POST") || !path.equals("/ops")) {
				reply(exchange, 404, Map.of("error", "not found"));
				return;
			}
			LedgerService.Op op;
			try {
				op = parse(json.readTree(exchange.getRequestBody().readAllBytes()));
			} catch (RuntimeException e) {
				reply(exchange, 400, Map.of("outcome", "failed", "error", String.valueOf(e.getMessage())));
				return;
			}
			LedgerService.Outcome outcome = ledger.execute(op);
			if (outcome instanceof LedgerService.Committed c) {
				List<Map<String, Object>> events = new ArrayList<>();
				for (LedgerEvent e : c.events())
					events.add(Map.of("event_id", e.eventId(), "aggregate_id", e.account(), "seq", e.seq()));
				reply(exchange, 200, Map.of("outcome", "committed", "events", events));
			} else if (outcome instanceof LedgerService.RolledBack) {
				reply(exchange, 200, Map.of("outcome", "rolled-back"));
			} else if (outcome instanceof LedgerService.Failed f) {
				reply(exchange, 503, Map.of("outcome", "failed", "error", f.error()));
			} else if (outcome instanceof LedgerService.Unknown u) {
				reply(exchange, 500, Map.of("outcome", "unknown", "error", u.error()));
			}
		} finally {
			exchange.close();
		}
	}

	private void reply(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
		byte[] bytes = json.writeValueAsBytes(body);
		exchange.getResponseHeaders().set("content-type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	/** The same checks as the reference ledger app, with the same messages. */
	static LedgerService.Op parse(JsonNode b) {
		if (b == null || !b.isObject()) throw new IllegalArgumentException("op_id must be a uuid");
		JsonNode opId = b.get("op_id");
		if (opId == null || !opId.isString() || !UUID_TEXT.matcher(opId.asString()).matches())
			throw new IllegalArgumentException("op_id must be a uuid");
		JsonNode amountNode = b.get("amount");
		if (amountNode == null || !amountNode.isIntegralNumber() || amountNode.asLong() <= 0)
			throw new IllegalArgumentException("amount must be a positive integer");
		long amount = amountNode.asLong();
		long repeat = integer(b, "repeat", 1, 1, 20, "repeat must be an integer in 1..20");
		String type = b.has("type") && b.get("type").isString() ? b.get("type").asString() : "";
		List<LedgerService.Leg> legs = new ArrayList<>();
		switch (type) {
			case "deposit" -> {
				String account = name(b, "account");
				for (int i = 0; i < repeat; i++) legs.add(new LedgerService.Leg(account, amount));
			}
			case "transfer" -> {
				String from = name(b, "from");
				String to = name(b, "to");
				if (from.equals(to)) throw new IllegalArgumentException("from and to must differ");
				legs.add(new LedgerService.Leg(from, -amount));
				legs.add(new LedgerService.Leg(to, amount));
			}
			default -> throw new IllegalArgumentException("type must be \"deposit\" or \"transfer\"");
		}
		long holdMs = integer(b, "hold_ms", 0, 0, 60_000, "hold_ms must be an integer in 0..60000");
		JsonNode memo = b.get("memo");
		if (memo != null && !memo.isString()) throw new IllegalArgumentException("memo must be a string");
		JsonNode abort = b.get("abort");
		return new LedgerService.Op(opId.asString(), legs, abort != null && abort.isBoolean() && abort.asBoolean(),
				holdMs, memo == null ? null : memo.asString());
	}

	private static long integer(JsonNode b, String field, long absent, long min, long max, String message) {
		JsonNode v = b.get(field);
		if (v == null) return absent;
		if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) throw new IllegalArgumentException(message);
		return v.asLong();
	}

	private static String name(JsonNode b, String field) {
		JsonNode v = b.get(field);
		if (v == null || !v.isString() || v.asString().isEmpty() || v.asString().length() > 64)
			throw new IllegalArgumentException(field + " must be a non-empty string");
		return v.asString();
	}

}
