// The error types of schedlab, one per way a run can end badly. The CLI maps each to an exit
// code in one place (cli/main.cpp): UsageError 2, TaskError 1, InfrastructureError 3,
// Interrupted 130.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace schedlab {

// Text safe to print on a terminal: control characters (C0, DEL and C1, which can retitle or
// clear a terminal), NUL and bytes that are not UTF-8 become visible escapes such as \x1b, \n
// and \u009b. Every error message passes through it, so a hostile key or task message
// cannot reach the user's terminal raw, and a NUL cannot cut a message short.
std::string printable(std::string_view text);

// Invalid input or usage: a bad graph file, an unknown op or scheduler, a bad flag. The message
// names what is wrong, where (file, line, key) and how to fix it.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(std::string_view message) : std::runtime_error(printable(message)) {}
};

// A value of the wrong kind reached an operation ("add: argument 2 is a string, expected a
// number"). Inside a task it becomes a TaskError; while loading a graph, a UsageError.
class TypeError : public std::runtime_error {
 public:
  explicit TypeError(std::string_view message) : std::runtime_error(printable(message)) {}
};

// A task raised an error. Carries the task's key and op and the original message, on every
// scheduler (across processes too). The first failure wins; tasks that were already running
// may fail too before the run stops: they are counted, and the first few described ("task 'b'
// (op fail): bang"), so that what() says how many failed and which.
class TaskError : public std::runtime_error {
 public:
  TaskError(std::string key, std::string op, std::string message, size_t others = 0,
            std::vector<std::string> some_others = {});
  const std::string& key() const { return key_; }
  const std::string& op() const { return op_; }
  const std::string& message() const { return message_; }
  size_t other_failures() const { return others_; }
  const std::vector<std::string>& listed_other_failures() const { return some_others_; }

 private:
  std::string key_, op_, message_;
  size_t others_;
  std::vector<std::string> some_others_;
};

// The machinery failed rather than the task: a worker process died, shared memory ran out.
class InfrastructureError : public std::runtime_error {
 public:
  explicit InfrastructureError(std::string_view message) : std::runtime_error(printable(message)) {}
};

// The run was stopped by SIGINT/SIGTERM (see interrupt.hpp).
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// A --timeout or --task-timeout expired; the message names the task that was running.
class TimedOut : public std::runtime_error {
 public:
  explicit TimedOut(const std::string& message) : std::runtime_error(message) {}
};

// How a child process ended, from its wait status: "was killed by signal 9 (Killed)" or
// "exited with code 3".
std::string describe_exit_status(int status);

// Inside a catch block: the message of the exception being handled (for one that is not a
// std::exception, its type: "an exception of type int (...)"), so one catch (...) serves every
// kind.
std::string current_exception_message();

}  // namespace schedlab
