package dev.outboxchaos.modulith;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.stereotype.Component;

/**
 * The relay.after-publish-before-mark crash point. Spring Kafka calls a ProducerListener when the broker has
 * acknowledged a record and before the send's future completes, which is what Spring Modulith waits for before
 * it marks the publication completed. Halting here leaves a message in Kafka whose publication is not complete.
 * Spring Boot hands the single ProducerListener bean to its KafkaTemplate.
 */
@Component
class PublishCrashPoint implements ProducerListener<Object, Object> {

	@Override
	public void onSuccess(ProducerRecord<Object, Object> record, RecordMetadata metadata) {
		CrashPoints.pass("relay.after-publish-before-mark");
	}
}
