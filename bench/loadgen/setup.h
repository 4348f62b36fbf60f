#pragma once
// Setup of a load run: credentials (a fresh tenant, or those a populated data directory came
// with), the keys the scenario needs, sample ciphertexts, and one probe of every operation so
// that operations the server does not offer are dropped before the clock starts.

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

#include "scenario.h"

namespace kms::bench {

struct SetupOptions {
  int aes_keys = 1;        // AES-256 keys to create (ignored with keys_file)
  std::string keys_file;   // from populate_keys: appid, apikey, then one keyid per line
  size_t keys_file_limit = 0;  // use at most this many keyids of the file (0 = all)
  int parallel = 32;       // connections used to create keys
};

struct SetupResult {
  bool ok = false;
  std::string error;                         // why setup failed
  std::vector<std::pair<Op, int>> mix;       // the scenario's operations the server offers
  std::vector<std::string> notes;            // dropped operations and why
};

SetupResult RunSetup(const boost::asio::ip::tcp::endpoint& server, const ScenarioDef& scenario,
                     const SetupOptions& options, Fixture& fixture);

}  // namespace kms::bench
