// Migration 5: what the exports need that percentiles and rates cannot give back:
// the tracers' log2 histograms per interval (a Prometheus histogram is their sum),
// and the kernel's own PSI counters (node_exporter's node_pressure_* are these).
export const sql = `
  ALTER TABLE io_latency_stats ADD COLUMN hist TEXT;     -- JSON array, log2 ns slots
  ALTER TABLE sched_summary ADD COLUMN runq_hist TEXT;   -- JSON array, log2 ns slots
  ALTER TABLE psi_metrics ADD COLUMN some_total_us INTEGER;
  ALTER TABLE psi_metrics ADD COLUMN full_total_us INTEGER;
`;
