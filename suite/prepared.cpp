#include "schedlab/suite/prepared.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <malloc.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_file.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/plan.hpp"
#include "schedlab/core/predict.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/reports/occupancy.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::suite {
namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// What a run with --pool fresh spends replacing the pool: stopping one and starting another,
// measured here (the median of three) once per scheduler and worker count.
double pool_cycle_ms(const SchedulerInfo& info, unsigned workers) {
  static std::map<std::pair<std::string, unsigned>, double> measured;  // (one thread predicts)
  if (auto it = measured.find({info.name, workers}); it != measured.end()) return it->second;
  std::vector<double> times;
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    info.make({.workers = workers, .fresh_pool = true})->worker_pids();  // started, then stopped
    times.push_back(ms_since(start));
  }
  std::sort(times.begin(), times.end());
  return measured[{info.name, workers}] = times[1];
}

// What moving each value once costs: encoding it into a buffer that is already mapped (as the
// processes scheduler reuses its large-payload segment), and decoding it into a copy that is
// freed again (every copy made is freed, and freeing a table of strings is not cheap). Timed
// warm, the second of two: a worker decodes into memory that earlier copies freed, while a
// first decoding here faults fresh pages in (a 39 MB flights table: 154 ms cold, where the
// measured runs spent about 45 ms a decoding).
void time_moving(const Value& v, NodeId n, TaskCosts& out, std::vector<char>& buffer) {
  buffer.resize(encoded_size(v));
  for (int warm = 0; warm < 2; ++warm) {
    auto start = Clock::now();
    encode_into(v, buffer.data());
    out.encode_ms[n] = ms_since(start);
    start = Clock::now();
    decode({buffer.data(), buffer.size()});
    out.decode_ms[n] = ms_since(start);
  }
  out.bytes[n] = static_cast<double>(buffer.size());
}

constexpr double kOneRunIsEnoughMs = 1000;

// `copies` runs of `work` side by side, each in a child process of its own, all started
// together after a run each to warm up (a forked child first copies the pages it writes): the
// mean of their times, or nothing where it could not be measured.
std::optional<double> timed_side_by_side(unsigned copies, const std::function<void()>& work) {
  // Children say `ready` when warmed up, wait for `go` to close, send their time on `done`.
  int ready[2], go[2], done[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return std::nullopt;
  if (pipe2(go, O_CLOEXEC) != 0) {
    close(ready[0]);
    close(ready[1]);
    return std::nullopt;
  }
  if (pipe2(done, O_CLOEXEC) != 0) {
    for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
    return std::nullopt;
  }
  const pid_t parent = getpid();
  std::vector<pid_t> children;
  for (unsigned i = 0; i < copies; ++i) {
    const pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // the calibration stopped, so are we
      if (getppid() != parent) _exit(1);
      for (int fd : {ready[0], go[1], done[0]}) close(fd);
      try {
        work();
        char c = 1;
        if (write(ready[1], &c, 1) != 1) _exit(1);
        while (read(go[0], &c, 1) < 0 && errno == EINTR) {
        }
        const auto start = Clock::now();
        work();
        const double ms = ms_since(start);
        _exit(write(done[1], &ms, sizeof ms) == sizeof ms ? 0 : 1);
      } catch (...) {
        _exit(1);
      }
    }
    children.push_back(pid);
  }
  for (int fd : {ready[1], go[0], done[1]}) close(fd);
  // Every child warmed up (or one failed: its end of `ready` closed with the others'), then
  // all start their timed runs at once.
  size_t warmed = 0;
  for (char c; warmed < children.size();) {
    const ssize_t n = read(ready[0], &c, 1);
    if (n == 1) ++warmed;
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  close(ready[0]);
  close(go[1]);
  std::vector<double> times;
  for (double ms;;) {  // 8 bytes written to a pipe arrive whole
    ssize_t n;
    while ((n = read(done[0], &ms, sizeof ms)) < 0 && errno == EINTR) {
    }
    if (n != sizeof ms) break;
    times.push_back(ms);
  }
  close(done[0]);
  for (pid_t pid : children) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (warmed != copies || times.size() != copies) return std::nullopt;
  double sum = 0;
  for (double ms : times) sum += ms;
  return sum / copies;
}

// How many times as long each of `copies` runs of `work` side by side in processes takes as one
// alone: what tasks on every core at once pay for the memory bandwidth and caches they share.
// Between 1 and `copies` (beyond, the machine was busy); 1 where it could not be measured.
double side_by_side(unsigned copies, const std::function<void()>& work) {
  const std::optional<double> alone = timed_side_by_side(1, work);
  const std::optional<double> together = timed_side_by_side(copies, work);
  if (!alone || !together || *alone <= 0) return 1;
  return std::clamp(*together / *alone, 1.0, static_cast<double>(copies));
}

// What a calibration's time limit allows for, in runs of the graph (see calibrate).
constexpr int kCalibrationRuns = 10;

// Below these, side by side is not measured: the effect is within the noise of timing it.
constexpr double kSideBySideComputeMs = 20, kSideBySideMoveMs = 5;

TaskCosts measure_costs(const Graph& g, std::span<const NodeId> targets, const Plan& plan) {
  const std::string baseline = SchedulerRegistry::global().baseline().name;
  TaskCosts out;
  out.encode_ms.assign(g.size(), 0.0);
  out.decode_ms.assign(g.size(), 0.0);
  out.bytes.assign(g.size(), 0.0);
  // On the one-worker baseline, a task's time is from its start to the next task's start: what
  // finishing it costs (storing the result, releasing arguments nobody needs any more) belongs
  // to it, not to the next.
  out.compute_ms.assign(g.size(), 0.0);
  auto add_times = [&](const std::vector<TaskEvent>& trace, double share) {
    for (size_t i = 0; i < trace.size(); ++i) {
      const TaskEvent& e = trace[i];
      const Clock::time_point until = i + 1 < trace.size() ? trace[i + 1].start : e.end;
      out.compute_ms[e.node] +=
          share * std::chrono::duration<double, std::milli>(until - e.start).count();
    }
  };
  // First run: every value kept, to time moving it. It also pays for cold caches and the first
  // touches of data files, so that the next runs measure a warm machine.
  Value costliest;  // to move
  double costliest_ms = 0;
  {
    ComputeResult all =
        compute(g, plan.order, {.scheduler = baseline, .trace = true, .skip_sleep = true});
    std::vector<char> buffer;
    auto time_one = [&](const Value& v, NodeId n) {
      time_moving(v, n, out, buffer);
      if (out.encode_ms[n] + out.decode_ms[n] > costliest_ms) {
        costliest_ms = out.encode_ms[n] + out.decode_ms[n];
        costliest = v;
      }
    };
    for (size_t i = 0; i < plan.order.size(); ++i) {
      time_one(all.values[i], plan.order[i]);
      g.for_each_ref(plan.order[i], [&](NodeId d) {
        if (!g.is_task(d)) time_one(g.literal_value(d), d);
      });
    }
  }
  // As tasks will run on a machine of several cores: side by side (the issue of predictions
  // that assumed two parses at once run at the speed of one).
  TaskCosts::SideBySide& side = out.side_by_side;
  side.copies = side_by_side_copies(default_workers(), mem_available_bytes(), own_rss_bytes());
  if (side.copies > 1 && costliest_ms >= kSideBySideMoveMs) {
    std::vector<char> buffer(encoded_size(costliest));
    side.moving = side_by_side(side.copies, [&] {
      encode_into(costliest, buffer.data());
      decode({buffer.data(), buffer.size()});
    });
  }
  costliest = {};  // not held through the timed runs
  // Two more runs as a real run goes (intermediates released); each task's mean time counts
  // (the faster would predict below what the medians of real runs measure). Not the first run:
  // a cold run is not what a suite measures (flights' first parse in a process took 1.26 s, the
  // second 0.52 s, the next 0.44 s, as the allocator's fresh pages fault in only once). A graph
  // whose second run still takes a second or more is timed by that run alone: a third made
  // `predict` of one `busy 3000` task take 9 s.
  double traced_ms = 0;
  for (int run = 0; run < 2; ++run) {
    const ComputeResult r =
        compute(g, targets, {.scheduler = baseline, .trace = true, .skip_sleep = true});
    if (run == 0 && r.stats.wall_ms >= kOneRunIsEnoughMs) {
      add_times(r.trace, 1.0);
      return out;
    }
    add_times(r.trace, 0.5);
    traced_ms += r.stats.wall_ms / 2;
  }
  // The trace costs per task (about 80 ns), which for tasks of tens of nanoseconds is most of
  // what it times: a million-task chain was predicted at 330 ms and ran in 15. Measured runs
  // carry no trace, so the times are scaled by what an untraced run takes against a traced one;
  // where the two differ by less than a tenth (tasks of microseconds or more), by nothing, so
  // that the noise of one run does not move the lessons' predictions. (Scaled, not reduced by
  // the same amount per task: a traced run also loses the fused fast path of chains, which is
  // not the same for every task; subtracting predicted a 1M chain at 181 ms for 8 ms of run,
  // scaling at 17 ms for 24. A long task among a million tiny ones is under-predicted so.)
  const ComputeOptions untraced{.scheduler = baseline, .skip_sleep = true};
  const double untraced_ms = compute(g, targets, untraced).stats.wall_ms;
  if (side.copies > 1 && untraced_ms >= kSideBySideComputeMs) {
    side.computing = side_by_side(side.copies, [&] { compute(g, targets, untraced); });
  }
  if (traced_ms > 0 && untraced_ms < 0.9 * traced_ms) {
    const double scale = untraced_ms / traced_ms;
    for (double& ms : out.compute_ms) ms *= scale;
  }
  return out;
}

}  // namespace

namespace {

Calibration calibrate_here(const Graph& g, std::span<const NodeId> targets) {
  const auto plan = plan_for(g, targets);
  Calibration calibration;
  try {
    calibration.costs = measure_costs(g, targets, *plan);
  } catch (const TaskError& e) {
    calibration.costs = {};
    calibration.failed = e.what();
  }
  return calibration;
}

void put_doubles(std::string& out, const std::vector<double>& v) {
  const uint64_t n = v.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  if (n > 0) out.append(reinterpret_cast<const char*>(v.data()), n * sizeof(double));
}

bool get_doubles(std::string_view& in, std::vector<double>& v) {
  uint64_t n = 0;
  if (in.size() < sizeof n) return false;
  std::memcpy(&n, in.data(), sizeof n);
  in.remove_prefix(sizeof n);
  if (in.size() / sizeof(double) < n) return false;
  v.resize(n);
  if (n > 0) std::memcpy(v.data(), in.data(), n * sizeof(double));  // data() is null when empty
  in.remove_prefix(n * sizeof(double));
  return true;
}

}  // namespace

void use_steady_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest dynamic value
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

unsigned side_by_side_copies(unsigned cores, uint64_t available_bytes, uint64_t process_bytes) {
  const unsigned copies = std::clamp(cores, 1u, 8u);
  if (available_bytes == 0) return copies;
  const uint64_t fit = available_bytes / 2 / std::max<uint64_t>(process_bytes, 1);
  return static_cast<unsigned>(std::clamp<uint64_t>(fit, 1, copies));
}

Calibration calibrate(const Graph& g, std::span<const NodeId> targets, Limits limits) {
  // The child runs the graph without sleeps four times, and up to six more to time it side by
  // side (one copy alone, then several at once, each after a warm-up); a limit bounds that as it
  // bounds a run: --timeout per run, --task-timeout per task.
  std::optional<Clock::time_point> deadline;
  if (limits.any()) {
    const auto tasks = std::max<int64_t>(static_cast<int64_t>(plan_for(g, targets)->tasks), 1);
    using Ms = std::chrono::duration<double, std::milli>;
    const double per_run_ms = limits.run.count() > 0
                                  ? Ms(limits.run).count()
                                  : Ms(limits.task).count() * static_cast<double>(tasks);
    // At most a day: a product of large limits must not overflow into no limit at all.
    deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(
                                  std::min(kCalibrationRuns * per_run_ms, 86'400'000.0)));
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw InfrastructureError(fmt::format("cannot calibrate: pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    throw InfrastructureError(fmt::format("cannot calibrate: fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    // The child: no thread is started here (only the calling thread survives a fork), and it
    // leaves with _exit, so none of the parent's cleanup runs twice.
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_IGN);  // the terminal's Ctrl-C reaches the parent, which stops us
    signal(SIGTERM, SIG_DFL);
    reset_interrupt_after_fork();
    // As the runs it predicts allocate (run and lesson set this), whichever command calibrates:
    // without it, `predict` of a 1M-task chain timed fresh pages faulting in (46-65 ms for a
    // run of 8).
    use_steady_allocator();
    std::string out;
    try {
      Calibration c = calibrate_here(g, targets);
      put_doubles(out, c.costs.compute_ms);
      put_doubles(out, c.costs.encode_ms);
      put_doubles(out, c.costs.decode_ms);
      put_doubles(out, c.costs.bytes);
      const TaskCosts::SideBySide& side = c.costs.side_by_side;
      put_doubles(out, {static_cast<double>(side.copies), side.computing, side.moving});
      out += c.failed;
    } catch (const std::exception& e) {
      out = std::string(5 * sizeof(uint64_t), '\0') + e.what();  // five empty lists
    }
    for (std::string_view rest = out; !rest.empty();) {
      const ssize_t n = write(fds[1], rest.data(), rest.size());
      if (n <= 0) _exit(1);
      rest.remove_prefix(static_cast<size_t>(n));
    }
    _exit(0);
  }
  close(fds[1]);
  std::string received;
  std::string stopped;  // why the parent stopped the child, if it did
  for (;;) {
    pollfd p[2] = {{fds[0], POLLIN, 0}, {interrupt_fd(), POLLIN, 0}};
    int wait_ms = -1;
    if (deadline) {
      wait_ms = static_cast<int>(std::max<int64_t>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count() +
              1));
    }
    const int ready = poll(p, 2, wait_ms);
    if (ready < 0 && errno != EINTR) {
      stopped = fmt::format("waiting for its child process failed: {}", std::strerror(errno));
      break;
    }
    if (interrupt_requested()) {
      stopped = "interrupted";
      break;
    }
    if (ready == 0 && deadline && Clock::now() >= *deadline) {
      stopped = fmt::format("it ran past its time limit of {} runs of {}", kCalibrationRuns,
                            limits.run.count() > 0 ? "--timeout" : "--task-timeout per task");
      break;
    }
    if (ready <= 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      // Only the stop pipe is readable, with no stop: a stop that was just cleared.
      if (ready > 0) poll(p, 1, 1);
      continue;
    }
    char buf[65536];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      received.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  if (!stopped.empty()) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (stopped == "interrupted") throw Interrupted();
  Calibration c;
  std::string_view in = received;
  std::vector<double> side_by_side;
  const bool whole = get_doubles(in, c.costs.compute_ms) && get_doubles(in, c.costs.encode_ms) &&
                     get_doubles(in, c.costs.decode_ms) && get_doubles(in, c.costs.bytes) &&
                     get_doubles(in, side_by_side);
  if (side_by_side.size() == 3) {
    c.costs.side_by_side = {.copies = static_cast<unsigned>(side_by_side[0]),
                            .computing = side_by_side[1],
                            .moving = side_by_side[2]};
  }
  if (!stopped.empty()) {
    c.costs = {};
    c.failed = stopped;
  } else if (!whole || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    c.costs = {};
    c.failed = fmt::format("its child process {} (a task crashed it, or it ran out of memory)",
                           describe_exit_status(status));
  } else {
    c.failed = std::string(in);
  }
  return c;
}

CellPrediction predict_cell(const Graph& g, std::span<const NodeId> targets,
                            const Calibration& calibration, const SchedulerInfo& info,
                            const PredictionSettings& settings) {
  const TaskCosts& costs = calibration.costs;
  MachineModel machine = info.machine(settings.workers, settings.gil, settings.threads_per_worker);
  // --pool fresh and --chunksize apply where the scheduler keeps a pool of workers.
  if (info.traits.pools_workers) {
    if (settings.fresh_pool)
      machine.startup_ms = pool_cycle_ms(info, info.workers_for(settings.workers));
    machine.chunksize = settings.chunksize;
  }
  Prediction p = predict(g, targets, costs, machine, settings.second_ms);
  if (!calibration.not_run.empty()) {
    p.reasoning.push_back(fmt::format(
        "compute times are not measured: {} {} your code, which predict runs (in a child "
        "process) only when asked with --calibrate; this prediction counts sleeps only",
        fmt::join(calibration.not_run, ", "), calibration.not_run.size() == 1 ? "is" : "are"));
  }
  if (!calibration.failed.empty()) {
    p.reasoning.push_back(
        fmt::format("calibration stopped: {}; compute times are unknown, so this "
                    "prediction counts sleeps only",
                    calibration.failed));
  }
  CellPrediction out{.predicted_ms = p.predicted_ms,
                     .bound_ms = p.bound_ms,
                     .work_ms = p.total_work_ms,
                     .span_ms = p.critical_path_ms,
                     .reasoning = std::move(p.reasoning),
                     .chain = std::move(p.critical_chain),
                     .slowed_by = std::move(p.slowed_by),
                     .not_slowed_by = std::move(p.not_slowed_by),
                     .schedule = {},
                     .occupancy = {}};
  for (double c : costs.compute_ms) out.compute_ms += c;
  if (p.schedule.size() <= reports::kMaxTaskRecords) {
    for (const ScheduledTask& t : p.schedule) {
      out.schedule.push_back(
          {std::string(g.key(t.node)), g.op(t.node)->name, t.worker, 0, t.start_ms, t.end_ms});
    }
    return out;
  }
  out.occupancy = reports::occupancy_of(p.schedule, [&](const ScheduledTask& t) {
    return reports::TaskSpan{t.worker, g.op(t.node)->name, t.start_ms, t.end_ms};
  });
  return out;
}

CellPrediction predict_graph(const Graph& graph, std::span<const NodeId> targets,
                             const std::string& scheduler, const PredictionSettings& settings,
                             bool calibrate_user_ops) {
  Calibration calibration;
  if (!calibrate_user_ops) {
    std::set<std::string> theirs;
    for (NodeId n : plan_for(graph, targets)->order) {
      if (!graph.op(n)->own) theirs.insert(graph.op(n)->name);
    }
    calibration.not_run.assign(theirs.begin(), theirs.end());
  }
  if (calibration.not_run.empty()) calibration = calibrate(graph, targets);
  const SchedulerInfo& info = SchedulerRegistry::global().info(scheduler);
  return predict_cell(graph, targets, calibration, info, settings);
}

struct PreparedSuite::Instance {
  std::string lesson;
  kernels::BuiltScenario built;
  Calibration calibration;
  double compute_total = 0;
};

PreparedSuite::PreparedSuite(SuiteSpec spec) : spec_(std::move(spec)) {
  validate_suite(spec_);
  std::map<std::string, size_t> by_key;  // "inc-dbl[reduce=chain]" -> instance
  for (const CellSpec& c : spec_.cells) {
    const bool file = is_graph_file(c.scenario);
    const kernels::Scenario* s = file ? nullptr : &kernels::find_scenario(c.scenario);
    const kernels::Params params =
        file ? kernels::Params{} : kernels::complete_params(*s, c.params);
    const std::string described = file ? "" : kernels::describe_params(*s, params);
    auto [it, fresh] = by_key.try_emplace(c.scenario + "[" + described + "]", instances_.size());
    if (fresh) {
      auto inst = std::make_unique<Instance>();
      if (file) {
        LoadedGraph loaded = load_graph_file(c.scenario);
        inst->built = {std::move(loaded.graph), std::move(loaded.targets)};
        inst->lesson =
            loaded.description.empty()
                ? fmt::format("The graph file {} (it has no \"description\").", c.scenario)
                : loaded.description;
      } else {
        inst->lesson = s->lesson;
        try {
          inst->built = kernels::build_scenario(*s, params, {spec_.unit_ms, spec_.data_dir});
        } catch (const UsageError& e) {  // a parameter's value: say which scenario has it
          throw UsageError(fmt::format("scenario {}: {}", c.scenario, e.what()));
        }
      }
      inst->calibration = calibrate(inst->built.graph, inst->built.targets, spec_.limits);
      for (double x : inst->calibration.costs.compute_ms) inst->compute_total += x;
      instances_.push_back(std::move(inst));
    }
    const Instance& inst = *instances_[it->second];

    reports::Cell cell;
    cell.scenario = c.scenario;
    cell.params = described;
    cell.param_values = params;
    cell.scheduler = c.scheduler;
    cell.workers = c.workers;
    cell.gil = c.gil;
    const SchedulerInfo& info = SchedulerRegistry::global().info(c.scheduler);
    if (info.traits.processes == ProcessModel::processes_of_threads)
      cell.threads = c.threads ? c.threads : spec_.threads_per_worker;
    cell.baseline = info.traits.speedup_baseline;
    cell.policy = policy_name(info.traits.policy);
    CellPrediction p = predict_cell(inst.built.graph, inst.built.targets, inst.calibration, info,
                                    {.workers = c.workers,
                                     .gil = c.gil,
                                     .threads_per_worker = cell.threads,
                                     .fresh_pool = spec_.fresh_pool,
                                     .chunksize = spec_.chunksize});
    cell.predicted_ms = p.predicted_ms;
    cell.bound_ms = p.bound_ms;
    cell.work_ms = p.work_ms;
    cell.span_ms = p.span_ms;
    cell.reasoning = std::move(p.reasoning);
    cell.predicted_schedule = std::move(p.schedule);
    cell.predicted_occupancy = std::move(p.occupancy);
    cell.sleep_bound = p.work_ms > 0 && inst.compute_total < 0.05 * p.work_ms;
    cells_.push_back({std::move(cell), it->second});
  }
}

PreparedSuite::~PreparedSuite() = default;

const kernels::BuiltScenario& PreparedSuite::scenario(size_t i) const {
  return instances_[cells_[i].instance]->built;
}

const std::string& PreparedSuite::lesson(size_t i) const {
  return instances_[cells_[i].instance]->lesson;
}

double PreparedSuite::estimate_ms() const {
  double total = 0;
  for (const Prepared& p : cells_) total += p.cell.predicted_ms;
  return total * (1 + spec_.repeat + spec_.warmup);  // the profile run too
}

}  // namespace schedlab::suite
