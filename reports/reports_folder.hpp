// The folder a run writes its reports to (`run --out`), held for the run: made if missing,
// checked before anything runs (a dangling link or a file where the folder should be is an error
// at once, not after an hour of measuring), and locked, so that two runs into one folder do not
// delete each other's reports.
#pragma once

#include <string>

namespace schedlab::reports {

class ReportsFolder {
 public:
  // Throws UsageError: the folder cannot be made or written, or another process holds it (its
  // pid is named when /proc/locks tells it).
  explicit ReportsFolder(const std::string& dir);
  ~ReportsFolder();  // the lock goes with the descriptor
  ReportsFolder(const ReportsFolder&) = delete;
  ReportsFolder& operator=(const ReportsFolder&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace schedlab::reports
