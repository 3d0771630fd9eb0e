// Large graph files for the loading benchmark and for comparing with other readers (Python's
// json.load): the same text every time for the same arguments.
#pragma once

#include <cstddef>
#include <string>

namespace schedlab::bench {

// "t0" a literal, then t1 ... t(n-1) each inc of the one before (about 55 bytes a task).
std::string chain_graph_file(size_t tasks);
// Layers of `width` tasks: the first literals, every later task the max of a list of three
// references into the layer before, chosen by a fixed pseudo-random sequence (about 100 bytes
// a task).
std::string layered_graph_file(size_t tasks, size_t width = 1000);

}  // namespace schedlab::bench
