// Reading the files users hand us (graph files, suite files, results.json, Google Benchmark
// JSON) with limits checked while reading, not after: /dev/zero, `yes |` or a 300 KB file of
// brackets is refused with a message naming the file, never read into gigabytes of memory or
// parsed into a stack overflow.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace schedlab {

// How deep suite files, results.json and benchmark JSON may nest. (Graph files have their own
// reader with the value limit, kMaxValueDepth, also 64.)
inline constexpr size_t kMaxNesting = 64;

// A file's text, read whole into memory of its own: mapped anonymous pages, which for a large
// file are transparent huge pages where the kernel allows them (a 31 MB graph file read in
// 21-97 ms instead of 203-246 on this project's VM, whose page faults cost about 10 us each:
// a string of the file's size faulted 7,600 pages in, zeroing each before the read).
class FileText {
 public:
  FileText() = default;
  FileText(FileText&& other) noexcept { *this = std::move(other); }
  FileText& operator=(FileText&& other) noexcept;
  FileText(const FileText&) = delete;
  FileText& operator=(const FileText&) = delete;
  ~FileText();

  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: a text is read as a view
  size_t size() const { return size_; }
  size_t spare() const { return capacity_ - size_; }  // room made and not written yet

  // Where the next `n` bytes go (the room is made first); then add() what was written there.
  char* room(size_t n);
  void add(size_t n) { size_ += n; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
};

// The whole of `path` ("-": standard input), refused with a UsageError naming it as `what`
// ("graph file", "suite file") once it is over `limit` bytes: a regular file at once, a pipe
// after limit + 1 bytes. A NUL byte ends the reading early (JSON and TOML text has none; the
// parser then refuses it by line and column). `hint` ends the message of a file too large (how
// to raise the limit).
FileText read_bounded_file(const std::string& path, std::string_view what, size_t limit,
                           std::string_view hint = {});

// Throws a UsageError naming `source`, line and column where JSON `text` opens its
// (kMaxNesting + 1)th level of arrays and objects. Linear, and it keeps no stack: run before a
// parser that recurses.
void check_json_nesting(std::string_view text, const std::string& source,
                        size_t limit = kMaxNesting);

// JSON `text` as a tree: nesting checked first (check_json_nesting), then parsed; a syntax
// error or a number out of range (1e400) is a UsageError naming `source`.
nlohmann::json parse_json_input(std::string_view text, const std::string& source);

}  // namespace schedlab
