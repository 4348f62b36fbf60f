#include <unistd.h>

#include <iostream>

#include "app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return ehsm_cli::RunCli(argc, argv, std::cin, std::cout, std::cerr, isatty(2) == 1);
}
