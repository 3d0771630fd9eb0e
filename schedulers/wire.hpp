// The fixed-size fields of the messages between processes (the processes scheduler's rings,
// the distributed scheduler's MPI messages): appended to a string, read back in order.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "schedlab/core/errors.hpp"

namespace schedlab {

// Appending and reading the fixed-size fields of a message.
class Writer {
 public:
  // Starts `out` afresh, or, with append, adds to what it holds (a batch of records).
  explicit Writer(std::string& out, bool append = false) : out_(out) {
    if (!append) out_.clear();
  }
  template <class T>
  Writer& put(T x) {
    out_.append(reinterpret_cast<const char*>(&x), sizeof x);
    return *this;
  }
  Writer& put_string(std::string_view s) {
    put<uint16_t>(static_cast<uint16_t>(s.size()));
    out_.append(s);
    return *this;
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  T get() {
    if (in_.size() - pos_ < sizeof(T))
      throw InfrastructureError("truncated message between processes");
    T x;
    std::memcpy(&x, in_.data() + pos_, sizeof x);
    pos_ += sizeof x;
    return x;
  }
  std::string_view get_string() {
    auto n = get<uint16_t>();
    if (in_.size() - pos_ < n) throw InfrastructureError("truncated message between processes");
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view get_bytes(uint64_t n) {
    if (in_.size() - pos_ < n) throw InfrastructureError("truncated message between processes");
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view rest() const { return in_.substr(pos_); }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace schedlab
