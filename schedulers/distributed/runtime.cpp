#include "schedlab/schedulers/distributed/runtime.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/distributed/cluster.hpp"
#include "schedlab/schedulers/distributed/protocol.hpp"
#include "schedlab/schedulers/distributed_worker.hpp"
#include "schedlab/schedulers/scheduler.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define SCHEDLAB_LEAK_CHECK_BEFORE_MPI_FINALIZE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define SCHEDLAB_LEAK_CHECK_BEFORE_MPI_FINALIZE 1
#endif
#endif

namespace schedlab {
namespace distributed {

[[noreturn]] void serve_parent(MPI_Comm comm, int parent_rank);  // worker_rank.cpp

namespace {

std::atomic<bool> g_self_serves{false};
std::atomic<bool> g_broken{false};
int g_launched_workers = 0;

void set_default(const char* name, const char* value) {
  setenv(name, value, /*overwrite=*/0);
}

void init_once() {
  int ready = 0;
  MPI_Initialized(&ready);
  if (ready) return;
  // A local cluster runs as whoever runs schedlab (root in containers) and puts more ranks on
  // a machine than it has cores when asked to (a classroom laptop): Open MPI refuses both
  // unless told. These only set defaults; the user's environment wins.
  if (geteuid() == 0) {
    set_default("OMPI_ALLOW_RUN_AS_ROOT", "1");
    set_default("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
  }
  set_default("OMPI_MCA_rmaps_base_oversubscribe", "1");
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    throw InfrastructureError("cannot initialise MPI (is Open MPI installed and working?)");
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    throw InfrastructureError(
        "this MPI library cannot be called from more than one thread (MPI_THREAD_SERIALIZED), "
        "which the distributed scheduler needs");
  }
  // Errors come back as codes, to be reported with their context (spawn errors on SELF).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  std::atexit(finalize_mpi);
}

}  // namespace

bool under_mpi() {
  // Set by Open MPI's launcher and by MPI_Comm_spawn; PMIX_RANK by any PMIx launcher (srun).
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK");
}

void ensure_mpi() {
  static std::once_flag once;
  std::call_once(once, init_once);
}

int launched_workers() {
  return g_launched_workers;
}

std::string worker_program() {
  if (const char* p = std::getenv("SCHEDLAB_WORKER_PROGRAM"); p && *p) return p;
  std::error_code ec;
  if (g_self_serves) return std::filesystem::read_symlink("/proc/self/exe", ec).string();
  for (const char* p : {SCHEDLAB_TOOL_BUILD_PATH, SCHEDLAB_TOOL_INSTALL_PATH}) {
    if (std::filesystem::exists(p, ec)) return p;
  }
  throw InfrastructureError(fmt::format(
      "cannot find the schedlab tool that worker ranks run (looked at {} and {}); set "
      "SCHEDLAB_WORKER_PROGRAM, or call schedlab::serve_if_distributed_worker() at the start "
      "of main",
      SCHEDLAB_TOOL_BUILD_PATH, SCHEDLAB_TOOL_INSTALL_PATH));
}

const std::string& host_name() {
  static const std::string name = [] {
    char buf[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    MPI_Get_processor_name(buf, &len);
    return std::string(buf, static_cast<size_t>(len));
  }();
  return name;
}

std::mutex& mpi_mutex() {
  static std::mutex m;
  return m;
}

void note_broken_cluster() {
  g_broken = true;
}

void finalize_mpi() {
  // Clusters are stopped by their schedulers' destructors, which need MPI: stop them first.
  SchedulerRegistry::global().shutdown();
  int done = 0;
  MPI_Finalized(&done);
  if (done) return;
  if (g_launched_workers > 0) {
    for (int r = 1; r <= g_launched_workers; ++r)
      MPI_Send(nullptr, 0, MPI_BYTE, r, kStop, MPI_COMM_WORLD);
  }
  // After a worker died, finalizing would wait for it forever; the process ends without, and
  // Open MPI's daemon cleans up after it, all but our job family's folder.
  if (g_broken) return remove_session_of_broken_cluster();
#ifdef SCHEDLAB_LEAK_CHECK_BEFORE_MPI_FINALIZE
  // MPI_Finalize unloads Open MPI's components; what they kept would then be reported as
  // leaks of "<unknown module>", which no suppression can name. So the leak check runs now,
  // while they are loaded (tests/lsan.supp names them), instead of at exit.
  __lsan_do_leak_check();
#endif
  MPI_Finalize();
}

}  // namespace distributed

void serve_if_distributed_worker(int, char**) {
  distributed::g_self_serves = true;
  if (!distributed::under_mpi()) return;
  distributed::ensure_mpi();
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) distributed::serve_parent(parent, 0);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank > 0) distributed::serve_parent(MPI_COMM_WORLD, 0);
  distributed::g_launched_workers = size - 1;
}

}  // namespace schedlab
