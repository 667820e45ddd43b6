#include <iostream>

#include "exporter/cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return argus::RunCli(args, std::cout, std::cerr);
}
