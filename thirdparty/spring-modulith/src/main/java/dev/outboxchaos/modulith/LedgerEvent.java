package dev.outboxchaos.modulith;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.springframework.modulith.events.Externalized;

/**
 * The application event of one changed account. Externalized as it is: the record's JSON is the Kafka
 * message value, sent to the run's topic (the {@code ledgerTopic} bean) with the account as the key, so one
 * account stays on one partition. The event id travels in the value ({@code /eventId}) and, with the
 * account's sequence number, in headers that {@link ExternalizationConfig} adds.
 */
@Externalized("#{@ledgerTopic}::#{#this.account()}")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LedgerEvent(String eventId, String opId, String account, long amount, long balanceAfter, long seq,
		String memo) {
}
