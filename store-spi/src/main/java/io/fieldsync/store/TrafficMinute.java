package io.fieldsync.store;

/**
 * A count of one kind of traffic of a tenant in one wall-clock minute ({@code push}, {@code pull},
 * {@code conflict:<strategy>}, {@code rejected}); every node adds its own.
 *
 * @param minute milliseconds since the epoch divided by 60,000
 */
public record TrafficMinute(String tenant, long minute, String kind, long count) {}
