#include "core/errors.hpp"

#include <fmt/format.h>

namespace schedlab {

TaskError::TaskError(std::string key, std::string op, std::string message)
    : std::runtime_error(fmt::format("task '{}' (op {}) failed: {}", key, op, message)),
      key_(std::move(key)),
      op_(std::move(op)),
      message_(std::move(message)) {}

}  // namespace schedlab
