package dev.outboxchaos.modulith;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.modulith.events.EventExternalizationConfiguration;

/**
 * Which events go to Kafka and with which headers. Selection and routing stay with the {@code @Externalized}
 * annotation; this adds the headers. Defining this bean replaces the library's default configuration, which
 * is where the serialize-externalization property would otherwise be read, so it is read here.
 */
@Configuration(proxyBeanMethods = false)
class ExternalizationConfig {

	@Bean
	String ledgerTopic(@Value("${TOPIC}") String topic) {
		return topic;
	}

	@Bean
	EventExternalizationConfiguration eventExternalizationConfiguration(
			@Value("${spring.modulith.events.externalization.serialize-externalization:false}") boolean serialize) {
		return EventExternalizationConfiguration.externalizing()
				.select(EventExternalizationConfiguration.annotatedAsExternalized())
				// Raw bytes: Spring Kafka's header mapper would write a String header as a JSON string, quotes
				// included.
				.headers(LedgerEvent.class, e -> Map.of(
						"event-id", bytes(e.eventId()),
						"aggregate-seq", bytes(Long.toString(e.seq())),
						"aggregate-type", bytes("account"),
						"event-type", bytes(e.amount() > 0 ? "AccountCredited" : "AccountDebited")))
				.serializeExternalization(serialize)
				.build();
	}

	private static byte[] bytes(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}
}
