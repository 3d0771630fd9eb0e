// write_output_file never replaces what a path points at unless that is a regular file.
#include "schedlab/core/output_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "schedlab/core/errors.hpp"
#include "tests/test_support.hpp"

namespace schedlab {
namespace {

using schedlab::testing::slurp;

namespace fs = std::filesystem;

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("schedlab_output_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(OutputFile, NewAndRegularFilesAreReplacedWhole) {
  fs::path p = dir_ / "report.md";
  write_output_file(p, "first");
  EXPECT_EQ(slurp(p), "first");
  write_output_file(p, "second");
  EXPECT_EQ(slurp(p), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), {}), 1) << "no temporary file is left";
}

TEST_F(OutputFile, ASymlinkIsWrittenThroughAndStays) {
  fs::path target = dir_ / "real.json", link = dir_ / "link.json";
  std::ofstream(target) << "old";
  fs::create_symlink("real.json", link);
  write_output_file(link, "new");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(fs::read_symlink(link), "real.json");
  EXPECT_EQ(slurp(target), "new");
}

TEST_F(OutputFile, ADanglingSymlinkCreatesItsTarget) {
  fs::path link = dir_ / "dangling";
  fs::create_symlink("made.json", link);
  write_output_file(link, "made");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(slurp(dir_ / "made.json"), "made");
}

TEST_F(OutputFile, AFifoIsWrittenInPlace) {
  fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  write_output_file(fifo, "through the pipe");
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo)) << "the FIFO must not be replaced by a regular file";
}

TEST_F(OutputFile, ADeviceNodeIsWrittenInPlaceNotReplaced) {
  // Our own null device in a temporary folder: the machine's /dev/null is never at risk.
  fs::path dev = dir_ / "null";
  if (mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot make a device node here (needs root): " << std::strerror(errno);
  }
  write_output_file(dev, "trace json");
  EXPECT_TRUE(fs::is_character_file(dev)) << "the device must stay a device";
}

TEST_F(OutputFile, ASymlinkToAStreamIsWrittenInPlace) {
  // /proc/self/fd/N is a symlink to "pipe:[...]", which is no path: write through the link.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  write_output_file("/proc/self/fd/" + std::to_string(fds[1]), "to the pipe");
  close(fds[1]);
  char buffer[64] = {};
  ASSERT_EQ(read(fds[0], buffer, sizeof buffer), 11);
  close(fds[0]);
  EXPECT_EQ(std::string(buffer), "to the pipe");
}

TEST_F(OutputFile, ErrorsNameThePathAndTheReason) {
  try {
    write_output_file(dir_ / "missing" / "x.json", "x");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("missing/x.json': No such file or directory"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(write_output_file(dir_, "x"), UsageError);  // a directory
  EXPECT_THROW(check_output_path(dir_), UsageError);
  EXPECT_THROW(check_output_path(dir_ / "missing" / "x.json"), UsageError);
  EXPECT_NO_THROW(check_output_path(dir_ / "new.json"));
  EXPECT_NO_THROW(check_output_path("/dev/null"));
}

TEST_F(OutputFile, AFailedWriteInPlaceIsAnError) {
  // /dev/full is written in place (a device), and every write there fails with ENOSPC.
  EXPECT_THROW(write_output_file("/dev/full", "x"), UsageError);
}

}  // namespace
}  // namespace schedlab
