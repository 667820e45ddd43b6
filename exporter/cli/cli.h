#ifndef ARGUS_CLI_H_
#define ARGUS_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace argus {

// Exit statuses of the one-shot commands (the monitoring-plugin convention).
constexpr int kExitOk = 0;
constexpr int kExitWarning = 1;
constexpr int kExitCritical = 2;
constexpr int kExitUnknown = 3;

// The whole command line of argus_exporter: parses `args` (without the
// program name), runs the subcommand, returns the exit status. Output goes to
// `out`, diagnostics to `err`.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace argus

#endif  // ARGUS_CLI_H_
