#ifndef ARGUS_TESTS_CHILD_PROCESS_H_
#define ARGUS_TESTS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace argus::testing {

// A program the test starts (found on PATH unless `args[0]` has a slash),
// its standard output and error in one log file; stopped when destroyed.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> args, std::string log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const;

  // Sends `signal` and waits up to 10 s for the exit (then SIGKILL). Returns
  // the wait status, or -1 when it had to be killed or was not running.
  int Stop(int signal = 15 /* SIGTERM */);

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// The whole content of a file ("" when it cannot be read).
std::string Slurp(const std::string& path);

}  // namespace argus::testing

#endif  // ARGUS_TESTS_CHILD_PROCESS_H_
