#include "schedlab/kernels/flights.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
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
    out << fmt::format("{}-{:02}-{:02},{},{:02}{:02},{},{},", year, m, d, (m * 31 + d) % 7 + 1,
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

std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(buffer).str();
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

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

double number_or_nan(std::string_view s) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::strtod(std::string(s).c_str(), nullptr);
}

// One file as columns: DepDelay, ArrDelay, Distance, Origin (index into kAirports), Cancelled.
Value read_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path));
  std::string line;
  std::getline(in, line);
  auto header = split(line);
  auto column = [&](std::string_view name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    throw std::runtime_error(fmt::format("{}: no column {}", path, name));
  };
  const size_t dep = column("DepDelay"), arr = column("ArrDelay"), dist = column("Distance"),
               origin = column("Origin"), cancelled = column("Cancelled");
  Array dep_delay, arr_delay, distance, origin_code, is_cancelled;
  for (size_t row = 2; std::getline(in, line); ++row) {
    auto f = split(line);
    if (f.size() != header.size()) {
      throw std::runtime_error(
          fmt::format("{}:{}: {} fields, expected {}", path, row, f.size(), header.size()));
    }
    dep_delay.push_back(number_or_nan(f[dep]));
    arr_delay.push_back(number_or_nan(f[arr]));
    distance.push_back(number_or_nan(f[dist]));
    double code = -1;
    for (int a = 0; a < 3; ++a) {
      if (f[origin] == kAirports[a]) code = a;
    }
    origin_code.push_back(code);
    is_cancelled.push_back(f[cancelled] == "1" ? 1 : 0);
  }
  return Value(List{Value(std::move(dep_delay)), Value(std::move(arr_delay)),
                    Value(std::move(distance)), Value(std::move(origin_code)),
                    Value(std::move(is_cancelled))});
}

const Array& column(const Value& table, size_t i) {
  const List& cols = table.as_list();
  if (cols.size() != 5) throw std::runtime_error("not a flights table (5 columns expected)");
  return cols[i].as_array();
}

}  // namespace

std::vector<std::string> ensure_flights_data(const std::string& data_dir, int files, int rows) {
  if (files < 1 || files > 1000 || rows < 1 || rows > 10'000'000) {
    throw UsageError("flights: use files=1..1000 and rows=1..10000000");
  }
  fs::path dir = fs::path(data_dir) / fmt::format("flights-{}x{}", files, rows);
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

void register_flights_ops() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_op("flights.read", "parses one flights CSV file into columns",
                [](const std::string& path) { return read_table(path); });
    register_op("flights.max_delay", "largest departure delay of non-cancelled flights",
                [](const Value& table) {
                  const Array &dep = column(table, 0), &cancelled = column(table, 4);
                  double best = -std::numeric_limits<double>::infinity();
                  for (size_t i = 0; i < dep.size(); ++i) {
                    if (cancelled[i] == 0 && !std::isnan(dep[i])) best = std::max(best, dep[i]);
                  }
                  return best;
                });
    register_op("flights.delay_sums", "per origin: sum and count of departure delays",
                [](const Value& table) {
                  const Array &dep = column(table, 0), &origin = column(table, 3),
                              &cancelled = column(table, 4);
                  Array sums(6, 0.0);
                  for (size_t i = 0; i < dep.size(); ++i) {
                    if (cancelled[i] != 0 || std::isnan(dep[i]) || origin[i] < 0) continue;
                    auto a = static_cast<size_t>(origin[i]);
                    sums[2 * a] += dep[i];
                    sums[2 * a + 1] += 1;
                  }
                  return sums;
                });
    register_op("flights.mean_by_origin", "mean departure delay per origin airport",
                [](const List& partial) {
                  Array total(6, 0.0);
                  for (const Value& p : partial) {
                    const Array& s = p.as_array();
                    for (size_t i = 0; i < 6 && i < s.size(); ++i) total[i] += s[i];
                  }
                  List out;
                  for (size_t a = 0; a < 3; ++a) {
                    double mean = total[2 * a + 1] > 0 ? total[2 * a] / total[2 * a + 1] : 0.0;
                    out.emplace_back(List{Value(kAirports[a]), Value(mean)});
                  }
                  return out;
                });
  });
}

}  // namespace schedlab::kernels
