// Writing output files (reports, traces, CSV, cached data) so that a reader never sees half of
// one, and without ever replacing what the path points at when that is not a regular file.
//
// - A regular file, or a new path: written to a temporary file beside it and renamed over it
//   (atomic on POSIX file systems).
// - A symlink to a regular file (or a dangling one): written through, the same way at the
//   link's final target; the link itself stays.
// - Anything else (a device such as /dev/null, a FIFO, /proc/self/fd/1): written in place, as
//   `>` in a shell would; never renamed over.
// - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written to that open descriptor.
// - A directory: an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace schedlab {

// Throws UsageError naming the path and the reason if the file cannot be written in full.
void write_output_file(const std::string& path, std::string_view contents);

// Files that belong together (a run's reports): each is written to a temporary file beside it
// and synced as it is added, and commit() then renames them all into place one after another. An
// interruption (or a full disk) before commit() leaves the old set whole, so the files never
// disagree but for the microseconds the renames take. Paths that are not regular files (a
// device, a FIFO) are written in place at once, as write_output_file does.
class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();  // removes what was staged and not committed

  // Links::follow writes through links and into devices, as write_output_file does (a path
  // the user named); Links::replace always puts a regular file at `path`, replacing a link there
  // rather than following it (a file in a folder we own, where a planted link must not send
  // our write elsewhere). UsageError as above.
  enum class Links { follow, replace };
  void add(const std::string& path, std::string_view contents, Links links = Links::follow);
  void commit();

 private:
  struct Staged {
    std::string tmp, target, shown;
  };
  std::vector<Staged> staged_;
};

// Checks, before any work starts, that write_output_file(path) can succeed as far as can be
// told now: the folder exists and is writable, the path is not a directory. Throws UsageError.
void check_output_path(const std::string& path);

// `text` as part of a file name: letters, digits and '-' kept, anything else '_'
// ("inc-dbl reduce=chain" -> "inc-dbl_reduce_chain").
std::string file_name_part(std::string_view text);

}  // namespace schedlab
