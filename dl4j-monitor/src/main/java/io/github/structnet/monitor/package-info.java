/**
 * Watching a StructNet network train: {@link io.github.structnet.monitor.StructureMonitor} records the quantities
 * that carry its guarantees — power-iteration estimates, certified bounds, step sizes, symplecticity and energy,
 * clean and certified accuracy — next to DL4J's {@code StatsListener}, into DL4J's stats storage
 * ({@link io.github.structnet.monitor.StructureReport}), a CSV file ({@link io.github.structnet.monitor.MonitorCsv})
 * and a chart ({@link io.github.structnet.monitor.RunChart}).
 */
package io.github.structnet.monitor;
