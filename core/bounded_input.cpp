#include "schedlab/core/bounded_input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

FileText read_bounded(int fd, const std::string& shown, std::string_view what, size_t limit,
                      std::string_view hint) {
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw UsageError(fmt::format("cannot read {} '{}': it is a directory", what, shown));
    }
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limit) {
      throw UsageError(fmt::format("{}: {} bytes is more than the {} a {} may have{}", shown,
                                   st.st_size, limit, what, hint));
    }
  }
  // Read straight into the text's room (a regular file's size and one more read's worth are
  // made room for first): copying through a small buffer took a fifth of the time of loading a
  // graph file. A pipe gives at most a chunk a read.
  constexpr size_t kChunk = size_t{1} << 16;
  const bool regular = S_ISREG(st.st_mode);
  FileText text;
  if (regular) text.room(std::min(static_cast<size_t>(st.st_size), limit) + kChunk);
  for (;;) {
    // The text never grows past the limit: at the limit, one byte more is read aside.
    const size_t used = text.size();
    const size_t room = std::min(regular ? std::max(text.spare(), kChunk) : kChunk, limit - used);
    char probe = 0;
    const ssize_t n = room ? ::read(fd, text.room(room), room) : ::read(fd, &probe, 1);
    const int err = errno;
    if (n < 0 && err == EINTR) continue;
    if (n < 0) {
      throw UsageError(fmt::format("cannot read {} '{}': {}", what, shown, std::strerror(err)));
    }
    if (n == 0) return text;
    if (room == 0) {
      throw UsageError(
          fmt::format("{}: more than the {} bytes a {} may have{}", shown, limit, what, hint));
    }
    text.add(static_cast<size_t>(n));
    // The text has no NUL byte: the parser will refuse this one by its line and column, so
    // there is no need to read on (it is how /dev/zero is refused at once).
    if (std::memchr(text.view().data() + used, 0, static_cast<size_t>(n))) return text;
  }
}

}  // namespace

FileText& FileText::operator=(FileText&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  std::swap(capacity_, other.capacity_);
  return *this;
}

FileText::~FileText() {
  if (data_) ::munmap(data_, capacity_);
}

char* FileText::room(size_t n) {
  if (capacity_ - size_ >= n) return data_ + size_;
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t capacity = std::max(size_ + n, 2 * capacity_);
  capacity = (capacity + page - 1) / page * page;
  void* p =
      data_ ? ::mremap(data_, capacity_, capacity, MREMAP_MAYMOVE)
            : ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(p);
  capacity_ = capacity;
  // Huge pages for a large text (ignored where the kernel has none to give).
  if (capacity >= kHuge) ::madvise(data_, capacity_, MADV_HUGEPAGE);
  return data_ + size_;
}

FileText read_bounded_file(const std::string& path, std::string_view what, size_t limit,
                           std::string_view hint) {
  if (path == "-") return read_bounded(STDIN_FILENO, "<stdin>", what, limit, hint);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw UsageError(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
  }
  FileText text;
  try {
    text = read_bounded(fd, path, what, limit, hint);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return text;
}

void check_json_nesting(std::string_view text, const std::string& source, size_t limit) {
  size_t depth = 0, line = 1, line_start = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    if (in_string) {
      if (c == '\\') {
        ++i;  // an escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) {
        throw UsageError(fmt::format(
            "{}:{}:{}: nested deeper than {} levels of arrays and objects (a limit, so that no "
            "input can exhaust the stack)",
            source, line, i - line_start + 1, limit));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

nlohmann::json parse_json_input(std::string_view text, const std::string& source) {
  check_json_nesting(text, source);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{}: invalid JSON: {}", source, e.what()));
  }
}

}  // namespace schedlab
