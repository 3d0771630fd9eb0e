#include "schedlab/core/errors.hpp"

#include <cxxabi.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>

namespace schedlab {

namespace {

// The length of the UTF-8 sequence starting at s[i] and its code point, or 0 if it is not
// well formed (a stray continuation byte, a truncated sequence, an overlong form, a surrogate).
size_t utf8_sequence(std::string_view s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = b(0);
  size_t n = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (lead >= 0xf5) n = 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = lead & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x80) {  // C0 controls and DEL
      out += c == '\n'   ? "\\n"
             : c == '\t' ? "\\t"
             : c == '\r' ? "\\r"
                         : fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    char32_t cp = 0;
    size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else if (cp <= 0x9f) {  // C1 controls, e.g. U+009B (CSI)
      out += fmt::format("\\u{:04x}", static_cast<uint32_t>(cp));
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

namespace {
std::string describe_task_failures(const std::string& key, const std::string& op,
                                   const std::string& message, size_t others,
                                   const std::vector<std::string>& some_others) {
  std::string text = fmt::format("task '{}' (op {}) failed: {}", key, op, message);
  if (others == 0) return text;
  text += fmt::format("; {} other task{} failed before the run stopped: {}", others,
                      others == 1 ? "" : "s", fmt::join(some_others, "; "));
  if (some_others.size() < others)
    text += fmt::format("; and {} more", others - some_others.size());
  return text;
}
}  // namespace

TaskError::TaskError(std::string key, std::string op, std::string message, size_t others,
                     std::vector<std::string> some_others)
    : std::runtime_error(printable(describe_task_failures(key, op, message, others, some_others))),
      key_(std::move(key)),
      op_(std::move(op)),
      message_(std::move(message)),
      others_(others),
      some_others_(std::move(some_others)) {}

std::string current_exception_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    // Not a std::exception (a thrown int, say): all we can tell is its type.
    const std::type_info* type = abi::__cxa_current_exception_type();
    if (!type) return "an unknown exception";
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(
        abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
    return fmt::format("an exception of type {} (not derived from std::exception)",
                       status == 0 && name ? name.get() : type->name());
  }
}

std::string describe_exit_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return fmt::format("was killed by signal {} ({})", sig, strsignal(sig));
  }
  return fmt::format("exited with code {}", WEXITSTATUS(status));
}

}  // namespace schedlab
