#ifndef ARGUS_STATUS_H_
#define ARGUS_STATUS_H_

#include <string>
#include <utility>

namespace argus {

// The outcome of an operation that can fail: OK, or an error message meant
// for an operator. Errors are values; nothing in Argus throws across layers.
class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

 private:
  bool ok_ = true;
  std::string message_;
};

}  // namespace argus

#endif  // ARGUS_STATUS_H_
