// Migration 1: one raw table per event type (names from the original system).
// Columns mirror lib/events.ts; test/lib/contract.test.ts checks they stay in step.
export const sql = `
  CREATE TABLE syscall_events (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    pid INTEGER NOT NULL,
    tid INTEGER NOT NULL,
    comm TEXT NOT NULL,
    uid INTEGER NOT NULL,
    cpu INTEGER NOT NULL,
    syscall_nr INTEGER NOT NULL,
    syscall TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    ret INTEGER NOT NULL,
    errno INTEGER,
    fd INTEGER
  );
  CREATE INDEX idx_syscall_events_ts ON syscall_events(timestamp);
  CREATE TABLE sched_events (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    pid INTEGER NOT NULL,
    comm TEXT NOT NULL,
    oncpu_ms REAL NOT NULL,
    voluntary INTEGER NOT NULL,
    involuntary INTEGER NOT NULL,
    wakeups INTEGER NOT NULL,
    runq_count INTEGER NOT NULL,
    runq_p50_us REAL NOT NULL,
    runq_p95_us REAL NOT NULL,
    runq_p99_us REAL NOT NULL,
    runq_max_us REAL NOT NULL
  );
  CREATE INDEX idx_sched_events_ts ON sched_events(timestamp);
  CREATE TABLE sched_summary (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    switches INTEGER NOT NULL,
    voluntary INTEGER NOT NULL,
    involuntary INTEGER NOT NULL,
    wakeups INTEGER NOT NULL,
    runq_count INTEGER NOT NULL,
    runq_p50_us REAL NOT NULL,
    runq_p95_us REAL NOT NULL,
    runq_p99_us REAL NOT NULL,
    runq_max_us REAL NOT NULL,
    nr_procs INTEGER NOT NULL
  );
  CREATE INDEX idx_sched_summary_ts ON sched_summary(timestamp);
  CREATE TABLE page_fault_events (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    pid INTEGER NOT NULL,
    comm TEXT NOT NULL,
    minor INTEGER NOT NULL,
    major INTEGER NOT NULL
  );
  CREATE INDEX idx_page_fault_events_ts ON page_fault_events(timestamp);
  CREATE TABLE page_fault_summary (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    minor INTEGER NOT NULL,
    major INTEGER NOT NULL,
    nr_procs INTEGER NOT NULL
  );
  CREATE INDEX idx_page_fault_summary_ts ON page_fault_summary(timestamp);
  CREATE TABLE io_latency_stats (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    dev TEXT NOT NULL,
    op TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    iops REAL NOT NULL,
    p50_us REAL NOT NULL,
    p95_us REAL NOT NULL,
    p99_us REAL NOT NULL,
    max_us REAL NOT NULL,
    mean_us REAL NOT NULL,
    top_pid INTEGER,
    top_comm TEXT
  );
  CREATE INDEX idx_io_latency_stats_ts ON io_latency_stats(timestamp);
  CREATE TABLE tracer_stats (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    tracer TEXT NOT NULL,
    interval_s REAL NOT NULL,
    events INTEGER NOT NULL,
    drops INTEGER NOT NULL,
    map_full INTEGER
  );
  CREATE INDEX idx_tracer_stats_ts ON tracer_stats(timestamp);
  CREATE TABLE memory_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    total_kb INTEGER NOT NULL,
    free_kb INTEGER NOT NULL,
    available_kb INTEGER NOT NULL,
    buffers_kb INTEGER NOT NULL,
    cached_kb INTEGER NOT NULL,
    swap_total_kb INTEGER NOT NULL,
    swap_free_kb INTEGER NOT NULL,
    dirty_kb INTEGER NOT NULL,
    writeback_kb INTEGER NOT NULL,
    anon_kb INTEGER NOT NULL,
    shmem_kb INTEGER NOT NULL,
    slab_kb INTEGER NOT NULL,
    used_fraction REAL NOT NULL
  );
  CREATE INDEX idx_memory_metrics_ts ON memory_metrics(timestamp);
  CREATE TABLE load_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    load1 REAL NOT NULL,
    load5 REAL NOT NULL,
    load15 REAL NOT NULL,
    cpus INTEGER NOT NULL,
    runnable INTEGER NOT NULL,
    total_threads INTEGER NOT NULL,
    load1_per_cpu REAL NOT NULL
  );
  CREATE INDEX idx_load_metrics_ts ON load_metrics(timestamp);
  CREATE TABLE cpu_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    cpus INTEGER NOT NULL,
    user_pct REAL NOT NULL,
    system_pct REAL NOT NULL,
    iowait_pct REAL NOT NULL,
    irq_pct REAL NOT NULL,
    steal_pct REAL NOT NULL,
    idle_pct REAL NOT NULL,
    busy_pct REAL NOT NULL,
    ctxt_per_s REAL NOT NULL,
    procs_running INTEGER NOT NULL,
    procs_blocked INTEGER NOT NULL
  );
  CREATE INDEX idx_cpu_metrics_ts ON cpu_metrics(timestamp);
  CREATE TABLE block_stats (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    dev TEXT NOT NULL,
    reads_per_s REAL NOT NULL,
    writes_per_s REAL NOT NULL,
    read_kb_per_s REAL NOT NULL,
    write_kb_per_s REAL NOT NULL,
    util_pct REAL NOT NULL,
    queue_depth REAL NOT NULL,
    in_flight INTEGER NOT NULL,
    await_ms REAL NOT NULL
  );
  CREATE INDEX idx_block_stats_ts ON block_stats(timestamp);
  CREATE TABLE network_interface_stats (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    iface TEXT NOT NULL,
    rx_bytes_per_s REAL NOT NULL,
    tx_bytes_per_s REAL NOT NULL,
    rx_packets_per_s REAL NOT NULL,
    tx_packets_per_s REAL NOT NULL,
    rx_errors_per_s REAL NOT NULL,
    tx_errors_per_s REAL NOT NULL,
    rx_drops_per_s REAL NOT NULL,
    tx_drops_per_s REAL NOT NULL
  );
  CREATE INDEX idx_network_interface_stats_ts ON network_interface_stats(timestamp);
  CREATE TABLE tcp_stats (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    established INTEGER NOT NULL,
    syn_sent INTEGER NOT NULL,
    syn_recv INTEGER NOT NULL,
    fin_wait1 INTEGER NOT NULL,
    fin_wait2 INTEGER NOT NULL,
    time_wait INTEGER NOT NULL,
    close INTEGER NOT NULL,
    close_wait INTEGER NOT NULL,
    last_ack INTEGER NOT NULL,
    listen INTEGER NOT NULL,
    closing INTEGER NOT NULL,
    total INTEGER NOT NULL,
    retrans_per_s REAL NOT NULL,
    out_segs_per_s REAL NOT NULL,
    retrans_ratio REAL NOT NULL
  );
  CREATE INDEX idx_tcp_stats_ts ON tcp_stats(timestamp);
  CREATE TABLE psi_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    resource TEXT NOT NULL,
    some_avg10 REAL NOT NULL,
    some_avg60 REAL NOT NULL,
    some_avg300 REAL NOT NULL,
    full_avg10 REAL,
    full_avg60 REAL,
    full_avg300 REAL,
    some_stall_ms_per_s REAL NOT NULL
  );
  CREATE INDEX idx_psi_metrics_ts ON psi_metrics(timestamp);
  CREATE TABLE vmstat_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    interval_s REAL NOT NULL,
    pgfault_per_s REAL NOT NULL,
    pgmajfault_per_s REAL NOT NULL,
    pswpin_per_s REAL NOT NULL,
    pswpout_per_s REAL NOT NULL,
    oom_kill_delta INTEGER NOT NULL,
    pgscan_per_s REAL NOT NULL,
    pgsteal_per_s REAL NOT NULL
  );
  CREATE INDEX idx_vmstat_metrics_ts ON vmstat_metrics(timestamp);
  CREATE TABLE process_metrics (
    id INTEGER PRIMARY KEY,
    timestamp REAL NOT NULL,
    pid INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    comm TEXT NOT NULL,
    state TEXT NOT NULL,
    uid INTEGER NOT NULL,
    ppid INTEGER NOT NULL,
    cpu_pct REAL NOT NULL,
    rss_kb INTEGER NOT NULL,
    threads INTEGER NOT NULL,
    nice INTEGER NOT NULL,
    major_faults_per_s REAL NOT NULL,
    rank_by TEXT NOT NULL
  );
  CREATE INDEX idx_process_metrics_ts ON process_metrics(timestamp);

`;
