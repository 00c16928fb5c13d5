package dev.outboxchaos.modulith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Crash points in the contract's syntax: {@code <point>@<n>} (the n-th pass) or {@code <point>:<p>} (probability
 * p at each pass), comma-separated, from OUTBOX_CRASH_AT (fixed at start) or from the file OUTBOX_CRASH_FILE
 * names, read at every pass; text after '#' is ignored, and a change of text restarts the pass counts. At an
 * armed pass the JVM halts at once, as a power cut would: no shutdown hook, no flush.
 */
final class CrashPoints {

	private static final Pattern ENTRY = Pattern.compile("^([a-z.-]+)(?::([0-9.]+)|@(\\d+))$");
	private static final String ENV_SPEC = System.getenv("OUTBOX_CRASH_AT");
	private static final String FILE = System.getenv("OUTBOX_CRASH_FILE");

	private static String text = "";
	private static final Map<String, Long> passes = new HashMap<>();

	private CrashPoints() {
	}

	static synchronized void pass(String point) {
		String spec = currentSpec();
		if (spec == null || spec.isBlank()) return;
		for (String raw : spec.split(",")) {
			String entry = raw.trim();
			if (entry.isEmpty()) continue;
			Matcher m = ENTRY.matcher(entry);
			if (!m.matches() || !m.group(1).equals(point)) continue;
			long n = passes.merge(point, 1L, Long::sum);
			boolean fire = m.group(2) != null ? ThreadLocalRandom.current().nextDouble() < Double.parseDouble(m.group(2))
					: n == Long.parseLong(m.group(3));
			if (fire) {
				System.err.println("crash point " + point + " fired (pass " + n + ")");
				System.err.flush();
				Runtime.getRuntime().halt(137);
			}
		}
	}

	private static String currentSpec() {
		if (FILE == null || FILE.isEmpty()) return ENV_SPEC;
		String now;
		try {
			now = Files.readString(Path.of(FILE));
		} catch (NoSuchFileException e) {
			now = "";
		} catch (IOException e) {
			return null;
		}
		if (!now.equals(text)) {
			text = now;
			passes.clear();
		}
		int hash = now.indexOf('#');
		return hash < 0 ? now : now.substring(0, hash);
	}
}
