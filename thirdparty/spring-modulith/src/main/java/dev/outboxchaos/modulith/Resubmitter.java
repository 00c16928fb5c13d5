package dev.outboxchaos.modulith;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.modulith.events.FailedEventPublications;
import org.springframework.modulith.events.ResubmissionOptions;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The relay: the library's documented recovery for publications that did not complete. Its staleness monitor
 * (configured in application.properties, running in every instance) marks publications stuck in PUBLISHED,
 * PROCESSING or RESUBMITTED as FAILED; this resubmits the FAILED ones on a fixed delay, which hands each back
 * to the externalizer in this process. Several relays may run: the library claims a publication for
 * resubmission by moving it to RESUBMITTED.
 */
@Component
@ConditionalOnProperty(name = "outbox.mode", havingValue = "relay")
class Resubmitter {

	private static final Logger LOG = LoggerFactory.getLogger(Resubmitter.class);

	private final FailedEventPublications failed;

	Resubmitter(FailedEventPublications failed) {
		this.failed = failed;
	}

	@Scheduled(fixedDelayString = "${outbox.resubmit-interval}", initialDelayString = "${outbox.resubmit-interval}")
	void resubmit() {
		try {
			failed.resubmit(ResubmissionOptions.defaults());
		} catch (RuntimeException e) {
			// A cut database link fails this round; the next one tries again.
			LOG.warn("resubmission failed: {}", e.toString());
		}
	}

	@EventListener(ApplicationReadyEvent.class)
	void ready() {
		System.out.println("relay started");
		System.out.flush();
	}
}
