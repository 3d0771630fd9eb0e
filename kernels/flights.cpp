#include "schedlab/kernels/flights.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/ops.hpp"
#include "schedlab/core/output_file.hpp"

namespace schedlab::kernels {
namespace fs = std::filesystem;

std::string default_data_dir() {
  if (const char* d = std::getenv("SCHEDLAB_DATA")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/schedlab";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/schedlab";
  return "/tmp/schedlab";
}

namespace {

std::string generate_csv(int year, int rows) {
  std::mt19937_64 rng(static_cast<uint64_t>(year) * 7919);
  std::uniform_int_distribution<int> month(1, 12), day(1, 28), hour(5, 22), minute(0, 59),
      carrier(0, 5), flight(1, 2999), origin(0, 2), dest(0, 19), cancelled(0, 49);
  std::exponential_distribution<double> late(1.0 / 25.0);
  const char* carriers[] = {"AA", "DL", "UA", "B6", "WN", "US"};
  std::ostringstream out;
  out << "Date,DayOfWeek,CRSDepTime,UniqueCarrier,FlightNum,DepDelay,ArrDelay,Origin,Dest,"
         "Distance,Cancelled\n";
  for (int i = 0; i < rows; ++i) {
    int m = month(rng), d = day(rng);
    bool is_cancelled = cancelled(rng) == 0;
    int dep = static_cast<int>(late(rng)) - 8;
    int arr = dep + static_cast<int>(late(rng) / 3) - 5;
    // DayOfWeek as in the original data set: the weekday of Date, 1 = Monday ... 7 = Sunday.
    const std::chrono::weekday weekday{std::chrono::sys_days(std::chrono::year_month_day(
        std::chrono::year(year), std::chrono::month(static_cast<unsigned>(m)),
        std::chrono::day(static_cast<unsigned>(d))))};
    out << fmt::format("{}-{:02}-{:02},{},{:02}{:02},{},{},", year, m, d, weekday.iso_encoding(),
                       hour(rng), minute(rng), carriers[carrier(rng)], flight(rng));
    if (is_cancelled)
      out << ",,";
    else
      out << dep << ',' << arr << ',';
    out << kAirports[origin(rng)] << ",D" << dest(rng) << ',' << 200 + (i * 37) % 2400 << ','
        << (is_cancelled ? 1 : 0) << '\n';
  }
  return std::move(out).str();
}

// What a cache file must hold, kept beside it in "<file>.check": its size, its number of
// lines and an FNV-1a hash of its bytes. A file cut short by a full disk, truncated at a line
// boundary or edited fails the check and is made again.
std::string fingerprint(std::string_view bytes) {
  uint64_t hash = 1469598103934665603ull;
  size_t lines = 0;
  for (char c : bytes) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    lines += c == '\n';
  }
  return fmt::format("schedlab-cache 1 size={} lines={} fnv1a64={:016x}\n", bytes.size(), lines,
                     hash);
}

// The whole file in one read into a string of its size (a stream into a growing buffer would
// copy a 20 MB file several times: memory traffic that two parses side by side would share).
std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  if (size < 0) return std::nullopt;
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return std::nullopt;
  return bytes;
}

fs::path check_path(const fs::path& data) {
  fs::path p = data;
  p += ".check";
  return p;
}

bool cache_file_is_intact(const fs::path& path) {
  auto data = read_whole(path), check = read_whole(check_path(path));
  return data && check && fingerprint(*data) == *check;
}

// Both files are written atomically (complete, or not at all), the data first: a crash between
// the two leaves data without its check, which is made again on next use.
void write_cache_file(const fs::path& path, int year, int rows) {
  const std::string csv = generate_csv(year, rows);
  try {
    write_output_file(path.string(), csv);
    write_output_file(check_path(path).string(), fingerprint(csv));
  } catch (const UsageError& e) {
    throw UsageError(
        fmt::format("cannot cache the flights data set: {} (free some space, or set "
                    "--data or $SCHEDLAB_DATA to another folder)",
                    e.what()));
  }
}

// The table's columns, in the order of the file's header. Carrier, origin and destination stay
// strings, as in the notebook's data frame: columns of objects are what makes moving a table
// between processes cost more than copying its bytes.
constexpr std::string_view kColumns[] = {"Date",      "DayOfWeek", "CRSDepTime", "UniqueCarrier",
                                         "FlightNum", "DepDelay",  "ArrDelay",   "Origin",
                                         "Dest",      "Distance",  "Cancelled"};
constexpr size_t kColumnCount = std::size(kColumns);
constexpr size_t kDate = 0, kCarrier = 3, kDepDelay = 5, kOrigin = 7, kDest = 8, kCancelled = 10;

bool is_text_column(size_t c) {
  return c == kCarrier || c == kOrigin || c == kDest;
}

double number_or_nan(std::string_view s) {
  double x = std::numeric_limits<double>::quiet_NaN();
  if (!s.empty()) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec != std::errc() || end != s.data() + s.size())
      return std::numeric_limits<double>::quiet_NaN();
  }
  return x;
}

// "1990-03-15" as days since 1970-01-01 (NaN when malformed).
double day_number(std::string_view s) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::numeric_limits<double>::quiet_NaN();
  std::from_chars(s.data(), s.data() + 4, y);
  std::from_chars(s.data() + 5, s.data() + 7, m);
  std::from_chars(s.data() + 8, s.data() + 10, d);
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(m),
                                         std::chrono::day(d)};
  if (!date.ok()) return std::numeric_limits<double>::quiet_NaN();
  return std::chrono::sys_days(date).time_since_epoch().count();
}

// Splits one line into exactly kColumnCount fields; false when it has another number.
bool split_fields(std::string_view line, std::array<std::string_view, kColumnCount>& fields,
                  size_t& count) {
  count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] != ',') continue;
    if (count < kColumnCount) fields[count] = line.substr(start, i - start);
    ++count;
    start = i + 1;
  }
  return count == kColumnCount;
}

// A file's bytes read whole into this thread's buffer, for one parse. Read, not mapped: a
// mapped file that another program truncates during the parse kills the process with SIGBUS,
// while a short read is an error naming the file. The buffer is kept per thread and never
// zero-filled: a fresh allocation of the file's size (18 MB at 100 ms units) per parse came
// from the kernel zero-filled and faulted in page by page, and worker threads that keep several
// tables alive (openmp runs every read first) paid for it on every parse (openmp/2 took 1.8x
// threads/2's time on the same parses). (Not core/bounded_input's FileText: it maps fresh
// memory per read, which is that cost again.) A buffer above kKeptBytes is freed after its
// parse: each thread would otherwise hold the largest file it ever read.
class FileBytes {
 public:
  explicit FileBytes(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path);
    const Closer closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(path);
    if (!S_ISREG(st.st_mode))
      throw std::runtime_error(fmt::format("cannot read {}: not a regular file", path));
    size_ = static_cast<size_t>(st.st_size);
    Buffer& buffer = thread_buffer();
    if (buffer.capacity < size_) {
      buffer = {};  // the old one first: two of a large file's size at once are not needed
      buffer.bytes = std::make_unique_for_overwrite<char[]>(size_);
      buffer.capacity = size_;
    }
    data_ = buffer.bytes.get();
    for (size_t done = 0; done < size_;) {
      const ssize_t n = ::read(fd, data_ + done, size_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(path);
      if (n == 0) {
        throw std::runtime_error(fmt::format(
            "cannot read {}: it shrank from {} to {} bytes while being read (another program "
            "changed it; a damaged data file is made again on the next run)",
            path, size_, done));
      }
      done += static_cast<size_t>(n);
    }
  }

  std::string_view bytes() const { return {data_, size_}; }

 private:
  static constexpr size_t kKeptBytes = size_t{64} << 20;
  struct Buffer {
    std::unique_ptr<char[]> bytes;
    size_t capacity = 0;
  };
  static Buffer& thread_buffer() {
    thread_local Buffer buffer;
    return buffer;
  }
  struct FreeLarge {  // a member: it runs when the constructor throws too
    ~FreeLarge() {
      if (thread_buffer().capacity > kKeptBytes) thread_buffer() = {};
    }
  };
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  };
  [[noreturn]] static void fail(const std::string& path) {
    throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  FreeLarge free_large_;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// One file as a table: a list of kColumnCount columns (numbers as arrays, text as lists of
// strings). Throws with the file and line on a malformed file.
Value read_table(const std::string& path) {
  const FileBytes file(path);
  std::string_view rest = file.bytes();
  auto next_line = [&rest] {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::array<std::string_view, kColumnCount> fields;
  size_t count = 0;
  std::string_view header = next_line();
  if (!split_fields(header, fields, count) || !std::equal(fields.begin(), fields.end(), kColumns)) {
    throw std::runtime_error(
        fmt::format("{}:1: the header is not {}", path, fmt::join(kColumns, ",")));
  }
  const auto rows = static_cast<size_t>(std::count(rest.begin(), rest.end(), '\n') + 1);
  std::array<Array, kColumnCount> numbers;
  std::array<List, kColumnCount> texts;
  for (size_t c = 0; c < kColumnCount; ++c) {
    if (is_text_column(c))
      texts[c].reserve(rows);
    else
      numbers[c].reserve(rows);
  }
  // A file has few distinct codes: each is made once and shared, as a data frame's categories
  // are. (Decoding in another process makes a string per row again.)
  std::map<std::string, Value, std::less<>> codes;
  auto intern = [&codes](std::string_view text) -> const Value& {
    auto it = codes.find(text);
    if (it == codes.end()) it = codes.emplace(std::string(text), Value(std::string(text))).first;
    return it->second;
  };
  for (size_t row = 2; !rest.empty(); ++row) {
    std::string_view line = next_line();
    if (line.empty()) continue;
    if (!split_fields(line, fields, count)) {
      throw std::runtime_error(
          fmt::format("{}:{}: {} fields, expected {}", path, row, count, kColumnCount));
    }
    for (size_t c = 0; c < kColumnCount; ++c) {
      if (is_text_column(c))
        texts[c].push_back(intern(fields[c]));
      else
        numbers[c].push_back(c == kDate ? day_number(fields[c]) : number_or_nan(fields[c]));
    }
  }
  List columns;
  for (size_t c = 0; c < kColumnCount; ++c) {
    columns.push_back(is_text_column(c) ? Value(std::move(texts[c]))
                                        : Value(std::move(numbers[c])));
  }
  return Value(std::move(columns));
}

const List& columns_of(const Value& table) {
  const List& cols = table.as_list();
  if (cols.size() != kColumnCount) {
    throw std::runtime_error(
        fmt::format("not a flights table ({} columns expected)", kColumnCount));
  }
  return cols;
}

int airport_index(const Value& origin) {
  const std::string& code = origin.as_string();
  for (int a = 0; a < 3; ++a) {
    if (code == kAirports[a]) return a;
  }
  return -1;
}

// Pandas' Date.dt.dayofweek of a day number (days since 1970-01-01, a Thursday): 0 = Monday.
int day_of_week(double day) {
  const auto d = static_cast<int64_t>(day);
  return static_cast<int>(((d + 3) % 7 + 7) % 7);
}

// Sums of per-file arrays of `width` numbers, element by element.
Array add_up(const List& partials, size_t width) {
  Array total(width, 0.0);
  for (const Value& p : partials) {
    const Array& a = p.as_array();
    for (size_t i = 0; i < width && i < a.size(); ++i) total[i] += a[i];
  }
  return total;
}

// A table of (label, number) rows, as a grouped pandas Series prints.
template <class Label, class Number>
List labelled(const std::vector<Label>& labels, const std::vector<Number>& values) {
  List out;
  for (size_t i = 0; i < labels.size(); ++i)
    out.emplace_back(List{Value(labels[i]), Value(values[i])});
  return out;
}

}  // namespace

std::vector<std::string> ensure_flights_data(const std::string& data_dir, int files, int rows) {
  if (files < 1 || files > 1000 || rows < 1 || rows > 10'000'000) {
    throw UsageError("flights: use files=1..1000 and rows=1..10000000");
  }
  // v2: DayOfWeek agrees with Date (files made before it are not reused).
  fs::path dir = fs::path(data_dir) / fmt::format("flights-v2-{}x{}", files, rows);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw UsageError(
        fmt::format("cannot create the data directory {}: {} (set --data or "
                    "$SCHEDLAB_DATA)",
                    dir.string(), ec.message()));
  }
  std::vector<std::string> paths;
  for (int i = 0; i < files; ++i) {
    fs::path p = dir / fmt::format("{}.csv", 1990 + i);
    if (!cache_file_is_intact(p)) write_cache_file(p, 1990 + i, rows);
    paths.push_back(p.string());
  }
  return paths;
}

namespace {

// Parsing speed in rows per ms: the fastest of five parses of a 100,000-row file, after one to
// warm up (a smaller file fits in the caches and parses faster per row than the real ones).
double measure_rows_per_ms(const std::string& data_dir) {
  constexpr int kProbeRows = 100'000;
  const std::string probe = ensure_flights_data(data_dir, 1, kProbeRows).front();
  read_table(probe);
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    read_table(probe);
    best = std::min(
        best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count());
  }
  return kProbeRows / std::max(best, 1e-3);
}

// The rate is kept in the data directory, one file per host, so that every later run parses the
// same files (measured again, each run would pick slightly different sizes, and data sets).
double rows_per_ms(const std::string& data_dir) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  const fs::path kept = fs::path(data_dir) / fmt::format("flights-parse-rate-{}.txt", host);
  if (std::optional<std::string> text = read_whole(kept)) {
    double rate = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), rate);
    if (ec == std::errc() && rate > 0 && std::isfinite(rate)) return rate;
  }
  const double rate = measure_rows_per_ms(data_dir);
  write_output_file(kept.string(), fmt::format("{:.1f}\n", rate));
  return rate;
}

}  // namespace

int flights_rows_for_unit(const std::string& data_dir, double unit_ms) {
  static std::mutex mutex;
  static std::map<std::string, double> rates;  // per data directory
  std::lock_guard lock(mutex);
  auto [it, fresh] = rates.try_emplace(data_dir, 0.0);
  if (fresh) it->second = rows_per_ms(data_dir);
  // Rounded to a step of a 1-1.2-1.5-2-2.5-3-4-5-6-8 series, so that nearby units share files.
  const double rows = std::clamp(unit_ms * it->second, 1000.0, 10'000'000.0);
  const double decade = std::pow(10.0, std::floor(std::log10(rows)));
  double best = decade;
  for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (std::abs(m * decade - rows) < std::abs(best - rows)) best = m * decade;
  }
  return static_cast<int>(best);
}

void register_flights_ops() {
  static std::once_flag once;
  std::call_once(once, [] {
    OpRegistry::OwnOps own;
    register_op("flights.read", "parses one flights CSV file into columns",
                [](const std::string& path) { return read_table(path); });
    OpRegistry::global().mark_reads_files("flights.read");
    register_op("flights.max_delay", "largest departure delay of non-cancelled flights",
                [](const Value& table) {
                  const List& cols = columns_of(table);
                  const Array &dep = cols[kDepDelay].as_array(),
                              &cancelled = cols[kCancelled].as_array();
                  double best = -std::numeric_limits<double>::infinity();
                  for (size_t i = 0; i < dep.size(); ++i) {
                    if (cancelled[i] == 0 && !std::isnan(dep[i])) best = std::max(best, dep[i]);
                  }
                  return best;
                });
    register_op("flights.delay_sums", "per origin: sum and count of departure delays",
                [](const Value& table) {
                  const List& cols = columns_of(table);
                  const Array &dep = cols[kDepDelay].as_array(),
                              &cancelled = cols[kCancelled].as_array();
                  const List& origin = cols[kOrigin].as_list();
                  Array sums(6, 0.0);
                  for (size_t i = 0; i < dep.size(); ++i) {
                    const int a = airport_index(origin[i]);
                    if (cancelled[i] != 0 || std::isnan(dep[i]) || a < 0) continue;
                    sums[2 * static_cast<size_t>(a)] += dep[i];
                    sums[2 * static_cast<size_t>(a) + 1] += 1;
                  }
                  return sums;
                });
    register_op("flights.mean_by_origin", "mean departure delay per origin airport",
                [](const List& partial) {
                  const Array total = add_up(partial, 6);
                  std::vector<std::string> airports;
                  std::vector<double> means;
                  for (size_t a = 0; a < 3; ++a) {
                    if (total[2 * a + 1] == 0) continue;  // no flight: no row, as pandas
                    airports.emplace_back(kAirports[a]);
                    means.push_back(total[2 * a] / total[2 * a + 1]);
                  }
                  return labelled(airports, means);
                });
    // The other exercises of seed 004, each a per-file part and a combining step.
    register_op("flights.rows", "number of flights in a table (len(df))", [](const Value& table) {
      return static_cast<int64_t>(columns_of(table)[kDepDelay].as_array().size());
    });
    register_op("flights.not_cancelled", "number of flights not cancelled", [](const Value& table) {
      const Array& cancelled = columns_of(table)[kCancelled].as_array();
      return static_cast<int64_t>(std::count(cancelled.begin(), cancelled.end(), 0.0));
    });
    register_op("flights.counts", "per origin: number of flights not cancelled",
                [](const Value& table) {
                  const List& cols = columns_of(table);
                  const Array& cancelled = cols[kCancelled].as_array();
                  const List& origin = cols[kOrigin].as_list();
                  Array counts(3, 0.0);
                  for (size_t i = 0; i < cancelled.size(); ++i) {
                    const int a = airport_index(origin[i]);
                    if (cancelled[i] == 0 && a >= 0) counts[static_cast<size_t>(a)] += 1;
                  }
                  return counts;
                });
    register_op("flights.count_by_origin", "number of flights not cancelled per origin airport",
                [](const List& partial) {
                  const Array total = add_up(partial, 3);
                  std::vector<std::string> airports;
                  std::vector<int64_t> counts;
                  for (size_t a = 0; a < 3; ++a) {
                    if (total[a] == 0) continue;  // no flight: no row, as pandas
                    airports.emplace_back(kAirports[a]);
                    counts.push_back(static_cast<int64_t>(total[a]));
                  }
                  return labelled(airports, counts);
                });
    register_op("flights.weekday_sums", "per day of week: sum and count of departure delays",
                [](const Value& table) {
                  const List& cols = columns_of(table);
                  const Array &dep = cols[kDepDelay].as_array(), &date = cols[kDate].as_array();
                  Array sums(14, 0.0);
                  for (size_t i = 0; i < dep.size(); ++i) {
                    if (std::isnan(dep[i]) || std::isnan(date[i])) continue;
                    const auto day = static_cast<size_t>(day_of_week(date[i]));
                    sums[2 * day] += dep[i];
                    sums[2 * day + 1] += 1;
                  }
                  return sums;
                });
    register_op("flights.mean_by_dayofweek",
                "mean departure delay per day of week (0 = Monday, as pandas' dt.dayofweek)",
                [](const List& partial) {
                  const Array total = add_up(partial, 14);
                  std::vector<int64_t> days;
                  std::vector<double> means;
                  for (size_t d = 0; d < 7; ++d) {
                    if (total[2 * d + 1] == 0) continue;  // no flight that day: no row, as pandas
                    days.push_back(static_cast<int64_t>(d));
                    means.push_back(total[2 * d] / total[2 * d + 1]);
                  }
                  return labelled(days, means);
                });
  });
}

}  // namespace schedlab::kernels
