// Worker ranks of the distributed scheduler run a program too. A program that computes on
// `distributed` with ops of its own calls this first thing in main, after registering its ops:
//
//   int main(int argc, char** argv) {
//     register_my_ops();
//     schedlab::serve_if_distributed_worker(argc, argv);  // worker ranks never return
//     ...
//   }
//
// In a worker rank (spawned by a local cluster, or rank > 0 under mpirun/srun) it serves tasks
// until the cluster shuts down and then ends the process; anywhere else it returns at once
// (under a launcher, rank 0 initialises MPI here). Programs that do not call it get workers
// that run the schedlab tool, which knows schedlab's own ops only. Without MPI in the build it
// does nothing.
#pragma once

namespace schedlab {

void serve_if_distributed_worker(int argc, char** argv);

}  // namespace schedlab
