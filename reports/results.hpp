// The one flat result record of a suite run, computed once and written by every reporter.
// results.json is its source of truth (schema_version below); CSV and Markdown are views.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace schedlab::reports {

inline constexpr int kSchemaVersion = 1;

struct TaskRecord {
  std::string key, op;
  unsigned worker = 0;
  int pid = 0;
  double start_ms = 0, end_ms = 0;  // from the start of the repetition
  // Part of [start_ms, end_ms] spent waiting for the task's lock and for the GIL.
  double lock_wait_ms = 0, gil_wait_ms = 0;
};

// A stretch of a task's time that is not its op computing (schedulers/observer.hpp SpanEvent):
// kind "gil_wait" (one wait for the GIL), "encode" or "decode" (its values, to move between
// processes). `worker` is the lane: a worker, or kSchedulerWorker, the scheduling process.
struct SpanRecord {
  std::string kind, key;
  int worker = 0;
  double start_ms = 0, end_ms = 0;  // from the start of the repetition
};
inline constexpr int kSchedulerWorker = -1;
// A traced run keeps at most this many spans (a GIL-bound op waits every 5 ms); beyond, none,
// and timelines show each task's total wait instead.
inline constexpr size_t kMaxSpanRecords = 100000;

// What a run with too many tasks to draw one by one (more than kMaxTaskRecords) keeps instead
// of a record per task: each worker's busy time per op in equal slices of the run. Busy totals
// and task counts are exact; which task ran when is not kept. This is what keeps a million-task
// cell's results.json, timeline and page at kilobytes instead of hundreds of megabytes.
struct Occupancy {
  struct Series {
    unsigned worker = 0;
    std::string op;
    size_t tasks = 0;
    std::vector<double> busy_ms;  // per slice; a series has as many slices as every other
  };
  double slice_ms = 0;
  size_t tasks = 0;  // summed over the series (each has at least one)
  std::vector<Series> series;
  bool empty() const { return series.empty(); }
  size_t slices() const { return series.empty() ? 0 : series.front().busy_ms.size(); }
};
// Up to this many tasks a run keeps a record per task; beyond it, an Occupancy.
inline constexpr size_t kMaxTaskRecords = 20000;
inline constexpr size_t kOccupancySlices = 300;  // as a run writes it
// What results.json may hold (it may come from elsewhere): bounds that keep a picture finite.
inline constexpr size_t kMaxOccupancySlices = 10000;
inline constexpr size_t kMaxOccupancyTasks = size_t{1} << 48;
inline constexpr double kMaxOccupancySpanMs = 365.0 * 24 * 3600 * 1000;

struct ResourceSample {
  double t_ms = 0;         // from the start of the repetition
  double cpu_percent = 0;  // of one core; 200 means two cores busy
  uint64_t rss_bytes = 0;  // this process and its worker processes
};

struct Repetition {
  double wall_ms = 0, cpu_ms = 0, serialise_ms = 0;
  uint64_t peak_rss_bytes = 0, bytes_to_workers = 0, bytes_from_workers = 0;
  uint64_t peak_live_intermediates = 0;
  double lock_wait_ms = 0, gil_wait_ms = 0;  // summed over the repetition's tasks (traced only)
  // What the machine gave the run: CPU time other processes used meanwhile (all cores' busy
  // time from /proc/stat less this run's own cpu_ms) and the time some task of the machine
  // waited for a CPU (/proc/pressure/cpu, "some"; 0 where the kernel has no PSI).
  double other_cpu_ms = 0, cpu_pressure_ms = 0;
  std::vector<TaskRecord> trace = {};
  std::vector<SpanRecord> spans = {};  // with the trace, by start
  Occupancy occupancy = {};  // instead of the trace, for a run of more than kMaxTaskRecords tasks
  std::vector<ResourceSample> resources = {};
  size_t traced_tasks() const { return trace.empty() ? occupancy.tasks : trace.size(); }
  // Share of the machine's CPU (cores x wall time) other programs took during this run; 0
  // below kBusyResolutionMs, which /proc/stat's 10 ms ticks cannot tell from nothing.
  double other_cpu_share(unsigned cores) const;
};

// Statistics of a sample, with defined edge cases: n = 0 gives zeros; n = 1 gives a zero
// standard deviation; a zero mean gives a zero coefficient of variation.
struct Statistics {
  size_t n = 0;
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0, cv = 0, mad = 0;
  size_t outliers = 0;  // |x - median| > max(3 * 1.4826 * MAD, 2% of the median)
};

struct Warning {
  std::string kind;     // "noise", "outliers", "first-run", "prediction"
  std::string message;  // what was seen and what to do
};

struct Cell {
  std::string scenario, params, scheduler;  // params: "reduce=chain", "" for defaults
  std::map<std::string, std::string> param_values;
  unsigned workers = 1;
  unsigned threads = 1;  // per worker (a scheduler of processes of threads: distributed)
  bool gil = false;
  bool baseline = false;         // the scheduler speedups are measured against (a registry trait)
  std::string policy;            // its ready-task policy, as the predictor simulated it
  bool sleep_bound = false;      // all its time is sleeping: measured should match predicted
  std::vector<Repetition> reps;  // the measured runs: no per-task trace, no resource samples
  // One unmeasured run with the per-task trace and the resource samples, for the pictures (the
  // timeline, lock and GIL waits). It runs before the measured ones, so it warms the cell up.
  Repetition profile;
  bool profiled() const { return profile.wall_ms > 0 || profile.traced_tasks() > 0; }
  Statistics wall;
  double cpu_ms = 0;            // median over repetitions
  uint64_t peak_rss_bytes = 0;  // max over repetitions
  uint64_t bytes_moved = 0;     // to and from workers, median repetition
  double predicted_ms = 0, bound_ms = 0, work_ms = 0, span_ms = 0;
  std::vector<std::string> reasoning;
  std::vector<TaskRecord> predicted_schedule;  // the simulated run (pid 0), for the timelines
  Occupancy predicted_occupancy;  // instead of the schedule beyond kMaxTaskRecords tasks
  double speedup = 0;  // the baseline's median (same scenario and GIL) / this median; 0 if unknown
  std::string speedup_against;  // the baseline cell: "sync/1" ("tbb/1" with run --baseline tbb)
  double efficiency = 0;        // speedup / (workers x threads)
  std::vector<Warning> warnings;
  std::string error;  // empty unless the cell failed
  bool interrupted = false;
  bool timed_out = false;  // --timeout or --task-timeout ended it (`error` says which task)

  std::string instance() const;  // the graph it ran: "inc-dbl[reduce=chain]"
  // Every parameter, defaults included ("n=10 reduce=chain"), so that a table row says exactly
  // what ran; params for a result without param_values, "" for a scenario without parameters.
  std::string all_params() const;
  std::string id() const;  // "inc-dbl[reduce=chain]/threads/2" (+ "/gil")
  // "2", or "2x2" for a scheduler of processes of threads (2 ranks of 2 threads each).
  std::string workers_text() const;
  // It ran to the end and has measured runs (not failed, not stopped before measuring).
  bool measured() const { return error.empty() && wall.n > 0; }
  double ratio() const { return predicted_ms > 0 ? wall.median / predicted_ms : 0; }
  // How far measured may be from predicted, as a factor either way, for the prediction to hold:
  // 1.05 where the cell only sleeps, 1.15 where it computes (the lessons' promise).
  static constexpr double kSleepingTolerance = 1.05, kComputingTolerance = 1.15;
  double tolerance() const { return sleep_bound ? kSleepingTolerance : kComputingTolerance; }
  bool held() const {
    return error.empty() && wall.n > 0 && ratio() <= tolerance() && ratio() >= 1 / tolerance();
  }
};

struct Context {
  std::string date, version, commit, compiler, flags, build_type, cpu_model, hostname;
  unsigned cores = 0;
  double load_avg[3] = {0, 0, 0};
  double unit_ms = 0;
  int repeat = 0, warmup = 0;
  std::map<std::string, std::string> user;  // --context key=value
  // run --baseline: the scheduler speedups are measured against (its cell with the fewest
  // threads); empty: the registry's speedup baseline (sync).
  std::string speedup_baseline;
};

// A lesson judged by what it teaches: each of its notebook's claims checked on the run's cells
// (suite/lesson_verdicts.hpp), not by how close the predictor came.
struct ClaimVerdict {
  std::string text;
  std::string verdict;  // "held", "not held", "inconclusive", "untested" (no cell tests it)
  std::string detail;   // what was measured: "threads/2: 0.76 of sync/1; ..." and why
};
struct LessonVerdict {
  std::string scenario, notebook, takeaway;
  std::vector<ClaimVerdict> claims;
  std::string verdict;  // "held", "not held" or "inconclusive"
  std::string reason;   // why, where it is not "held"
};

struct SuiteResult {
  Context context;
  std::vector<Cell> cells;
  std::vector<LessonVerdict> lesson_verdicts;  // one per lesson that ran (none for graph files)
  bool interrupted = false;
  bool timed_out = false;                      // a cell timed out, which ended the run
  std::map<std::string, std::string> lessons;  // scenario -> its paragraph
  // Cell::instance() -> its graph in Graphviz DOT, for the pictures of report.html (left out
  // for graphs too large to draw).
  std::map<std::string, std::string> graphs;
};

Statistics statistics(std::vector<double> sample);
// A run was starved when other programs took at least this share of the machine's CPU (cores x
// wall time) while it ran: its time says more about the machine than about the graph.
inline constexpr double kBusyShare = 0.10;
inline constexpr double kBusyResolutionMs = 30;  // three ticks of /proc/stat
// Median over a cell's measured runs of the share of the CPU other programs took.
double busy_share(const Cell& cell, unsigned cores);
// Adds the warnings the repetitions of a cell call for (`cores`: the machine's, to tell a busy
// machine as the cause).
void add_noise_warnings(Cell& cell, int warmup, unsigned cores);

// The machine, build and date this process runs on.
Context current_context();

}  // namespace schedlab::reports
