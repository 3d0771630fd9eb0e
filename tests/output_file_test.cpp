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

TEST_F(OutputFile, ASetIsReplacedWholeOrNotAtAll) {
  write_output_file(dir_ / "results.json", "old results");
  write_output_file(dir_ / "summary.csv", "old summary");
  {
    OutputSet set;
    set.add(dir_ / "results.json", "new results");
    set.add(dir_ / "summary.csv", "new summary");
    // Interrupted before commit: the old set stays, and nothing staged is left behind.
  }
  EXPECT_EQ(slurp(dir_ / "results.json"), "old results");
  EXPECT_EQ(slurp(dir_ / "summary.csv"), "old summary");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
  OutputSet set;
  set.add(dir_ / "results.json", "new results");
  set.add(dir_ / "summary.csv", "new summary");
  set.commit();
  EXPECT_EQ(slurp(dir_ / "results.json"), "new results");
  EXPECT_EQ(slurp(dir_ / "summary.csv"), "new summary");
}

// A small file system of its own (tmpfs), to fill up or to make read-only. Needs the right to
// mount (root in a container that allows it); skipped otherwise.
class SmallDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("schedlab_small_disk_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (mounted_) std::system(("umount " + dir_.string() + " 2>/dev/null").c_str());
    fs::remove_all(dir_);
  }
  bool mount(const std::string& options) {
    if (geteuid() != 0) return false;
    mounted_ =
        std::system(("mount -t tmpfs -o " + options + " tmpfs " + dir_.string() + " 2>/dev/null")
                        .c_str()) == 0;
    return mounted_;
  }
  fs::path dir_;
  bool mounted_ = false;
};

TEST_F(SmallDisk, AFullDiskIsAClearErrorAndLeavesTheOldFilesWhole) {
  if (!mount("size=64k")) GTEST_SKIP() << "cannot mount a tmpfs here";
  write_output_file(dir_ / "results.json", "{\"old\": true}");
  write_output_file(dir_ / "summary.csv", "old,summary\n");
  const std::string big(256 * 1024, 'x');  // more than the disk holds
  try {
    OutputSet set;
    set.add(dir_ / "summary.csv", "new,summary\n");
    set.add(dir_ / "results.json", big);
    set.commit();
    ADD_FAILURE() << "a full disk went unnoticed";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("results.json"), std::string::npos) << e.what();
  }
  // Neither file truncated, neither replaced alone, no temporary file left.
  EXPECT_EQ(slurp(dir_ / "results.json"), "{\"old\": true}");
  EXPECT_EQ(slurp(dir_ / "summary.csv"), "old,summary\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
  EXPECT_THROW(write_output_file(dir_ / "trace.json", big), UsageError);
  EXPECT_FALSE(fs::exists(dir_ / "trace.json"));
}

TEST_F(SmallDisk, AReadOnlyFolderIsFoundBeforeAnyWork) {
  if (!mount("size=64k,ro")) GTEST_SKIP() << "cannot mount a tmpfs here";
  try {
    check_output_path((dir_ / "trace.json").string());
    ADD_FAILURE() << "a read-only folder went unnoticed";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Read-only file system"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace schedlab
