#include "schedlab/core/value_codec.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <iterator>

namespace schedlab {

static_assert(std::endian::native == std::endian::little,
              "the value encoding is little-endian; add byte swapping for this machine");

namespace {

constexpr char kMagic0 = 'S', kMagic1 = 'V';
constexpr size_t kHeaderSize = 3;

// A task's arguments travel as one list of values: one level more than a value may have, so
// that an argument a graph may hold (kMaxValueDepth levels) can reach a worker process.
constexpr size_t kMaxEncodedDepth = kMaxValueDepth + 1;

void check_depth(size_t depth) {
  if (depth > kMaxEncodedDepth) {
    throw CodecError(fmt::format("value nested deeper than {} levels", kMaxValueDepth));
  }
}

size_t payload_size(const Value& v, size_t depth) {
  check_depth(depth);
  switch (v.kind()) {
    case ValueKind::null:
      return 1;
    case ValueKind::boolean:
      return 2;
    case ValueKind::integer:
    case ValueKind::real:
      return 9;
    case ValueKind::string:
      return 9 + v.as_string().size();
    case ValueKind::array:
      return 9 + v.as_array().size() * sizeof(double);
    case ValueKind::list: {
      size_t n = 9;
      for (const Value& item : v.as_list()) n += payload_size(item, depth + 1);
      return n;
    }
  }
  return 1;
}

template <class T>
char* put(char* dst, T x) {
  std::memcpy(dst, &x, sizeof x);
  return dst + sizeof x;
}

char* write(const Value& v, char* dst) {
  *dst++ = static_cast<char>(v.kind());
  switch (v.kind()) {
    case ValueKind::null:
      return dst;
    case ValueKind::boolean:
      *dst++ = v.as_bool() ? 1 : 0;
      return dst;
    case ValueKind::integer:
      return put(dst, v.as_int());
    case ValueKind::real:
      return put(dst, v.as_double());
    case ValueKind::string: {
      const std::string& s = v.as_string();
      dst = put<uint64_t>(dst, s.size());
      std::memcpy(dst, s.data(), s.size());
      return dst + s.size();
    }
    case ValueKind::array: {
      const Array& a = v.as_array();
      dst = put<uint64_t>(dst, a.size());
      if (!a.empty()) std::memcpy(dst, a.data(), a.size() * sizeof(double));
      return dst + a.size() * sizeof(double);
    }
    case ValueKind::list: {
      const List& items = v.as_list();
      dst = put<uint64_t>(dst, items.size());
      for (const Value& item : items) dst = write(item, dst);
      return dst;
    }
  }
  return dst;
}

struct UnalignedDoubles {
  using iterator_category = std::random_access_iterator_tag;
  using value_type = double;
  using difference_type = std::ptrdiff_t;
  using pointer = const double*;
  using reference = double;
  const char* p;
  double operator*() const {
    double d;
    std::memcpy(&d, p, sizeof d);
    return d;
  }
  UnalignedDoubles& operator++() {
    p += sizeof(double);
    return *this;
  }
  UnalignedDoubles operator++(int) {
    UnalignedDoubles old = *this;
    p += sizeof(double);
    return old;
  }
  difference_type operator-(const UnalignedDoubles& o) const {
    return (p - o.p) / static_cast<difference_type>(sizeof(double));
  }
  bool operator==(const UnalignedDoubles& o) const { return p == o.p; }
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  Value read(size_t depth) {
    if (depth > kMaxEncodedDepth)
      fail(fmt::format("nesting deeper than {} levels", kMaxValueDepth));
    uint8_t tag = get<uint8_t>();
    switch (static_cast<ValueKind>(tag)) {
      case ValueKind::null:
        return Value();
      case ValueKind::boolean: {
        uint8_t b = get<uint8_t>();
        if (b > 1) fail(fmt::format("bool byte {} is neither 0 nor 1", b));
        return Value(b == 1);
      }
      case ValueKind::integer:
        return Value(get<int64_t>());
      case ValueKind::real:
        return Value(get<double>());
      case ValueKind::string: {
        uint64_t n = count(1);
        std::string s(bytes_.substr(pos_, n));
        pos_ += n;
        return Value(std::move(s));
      }
      case ValueKind::array: {
        uint64_t n = count(sizeof(double));
        // Built from an iterator rather than sized and then filled: a 100 MB array is then
        // written once, not zeroed first. The bytes may be unaligned, hence memcpy per item.
        const char* p = bytes_.data() + pos_;
        Array a(UnalignedDoubles{p}, UnalignedDoubles{p + n * sizeof(double)});
        pos_ += n * sizeof(double);
        return Value(std::move(a));
      }
      case ValueKind::list: {
        uint64_t n = count(1);  // every item takes at least its tag byte
        List items;
        items.reserve(n);
        for (uint64_t i = 0; i < n; ++i) items.push_back(read(depth + 1));
        return Value(std::move(items));
      }
    }
    pos_ -= 1;
    fail(fmt::format("unknown type tag {}", tag));
  }

  size_t pos() const { return pos_; }
  size_t size() const { return bytes_.size(); }

  [[noreturn]] void fail(const std::string& what) const {
    throw CodecError(
        fmt::format("corrupt value encoding at byte {} of {}: {}", pos_, bytes_.size(), what));
  }

  template <class T>
  T get() {
    if (bytes_.size() - pos_ < sizeof(T)) {
      fail(fmt::format("truncated: needs {} more bytes, {} left", sizeof(T), bytes_.size() - pos_));
    }
    T x;
    std::memcpy(&x, bytes_.data() + pos_, sizeof x);
    pos_ += sizeof x;
    return x;
  }

 private:
  // Reads an element count and checks that that many elements of at least `unit` bytes fit in
  // what is left, so a corrupt count can neither overrun the buffer nor allocate wildly.
  uint64_t count(size_t unit) {
    uint64_t n = get<uint64_t>();
    if (n > (bytes_.size() - pos_) / unit) {
      pos_ -= sizeof n;
      fail(fmt::format("length {} exceeds the {} bytes left", n, bytes_.size() - pos_ - 8));
    }
    return n;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace

size_t encoded_size(const Value& v) {
  return kHeaderSize + payload_size(v, 0);
}

char* encode_into(const Value& v, char* dst) {
  *dst++ = kMagic0;
  *dst++ = kMagic1;
  *dst++ = static_cast<char>(kCodecVersion);
  return write(v, dst);
}

std::string encode(const Value& v) {
  std::string out(encoded_size(v), '\0');
  encode_into(v, out.data());
  return out;
}

Value decode(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes[0] != kMagic0 || bytes[1] != kMagic1) {
    throw CodecError(
        fmt::format("not a schedlab value encoding ({} bytes, bad header)", bytes.size()));
  }
  if (static_cast<uint8_t>(bytes[2]) != kCodecVersion) {
    throw CodecError(fmt::format("value encoding version {} is not supported (this build reads {})",
                                 static_cast<uint8_t>(bytes[2]), kCodecVersion));
  }
  Reader r(bytes.substr(kHeaderSize));
  Value v = r.read(0);
  if (r.pos() != r.size()) r.fail(fmt::format("{} trailing bytes", r.size() - r.pos()));
  return v;
}

}  // namespace schedlab
