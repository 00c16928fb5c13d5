package dev.outboxchaos.modulith;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * One jar, three uses, chosen by OUTBOX_MODE (or the first argument for the schema):
 * <ul>
 * <li>{@code app}: the ledger write interface over HTTP. Its transactions publish one application event per
 * changed account; Spring Modulith stores a publication for each in the same transaction and externalizes it
 * to Kafka after the commit.</li>
 * <li>{@code relay}: an instance of the same application without the HTTP side, whose only work is the
 * library's recovery path: the staleness monitor and a scheduled resubmission of failed publications.</li>
 * <li>{@code schema} (argument): prints the library's own PostgreSQL DDL for the publication registry.</li>
 * </ul>
 * Scheduling is switched on because the library's staleness monitor is a scheduled task.
 */
@SpringBootApplication
@EnableScheduling
public class OutboxChaosModulith {

	static final String REGISTRY_DDL = "org/springframework/modulith/events/jdbc/schemas/v2/schema-postgresql.sql";

	public static void main(String[] args) throws IOException {
		if (args.length > 0 && args[0].equals("schema")) {
			printRegistrySchema();
			return;
		}
		configureDataSource(required("DATABASE_URL"));
		SpringApplication.run(OutboxChaosModulith.class, args);
	}

	private static void printRegistrySchema() throws IOException {
		try (InputStream in = OutboxChaosModulith.class.getClassLoader().getResourceAsStream(REGISTRY_DDL)) {
			if (in == null) {
				System.err.println("schema: " + REGISTRY_DDL + " is not on the class path");
				System.exit(2);
			}
			System.out.write(in.readAllBytes());
			System.out.flush();
		}
	}

	static String required(String name) {
		String value = System.getenv(name);
		if (value == null || value.isEmpty()) {
			System.err.println("outbox-chaos-modulith: " + name + " is not set");
			System.exit(2);
		}
		return value;
	}

	/**
	 * The harness hands out postgres://user[:password]@host:port/db URLs; JDBC wants its own form. The driver's
	 * socket timeout bounds a statement stuck behind a cut link, so a request never hangs forever.
	 */
	static void configureDataSource(String databaseUrl) {
		URI uri = URI.create(databaseUrl);
		if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
			System.err.println("outbox-chaos-modulith: cannot parse DATABASE_URL " + databaseUrl);
			System.exit(2);
		}
		String user = "postgres";
		String password = "";
		if (uri.getRawUserInfo() != null) {
			String[] parts = uri.getRawUserInfo().split(":", 2);
			user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
			if (parts.length > 1) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
		}
		int port = uri.getPort() < 0 ? 5432 : uri.getPort();
		System.setProperty("spring.datasource.url", "jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath()
				+ "?connectTimeout=3&socketTimeout=15&tcpKeepAlive=true&ApplicationName=modulith-"
				+ System.getenv().getOrDefault("OUTBOX_MODE", "app"));
		System.setProperty("spring.datasource.username", user);
		System.setProperty("spring.datasource.password", password);
	}
}
