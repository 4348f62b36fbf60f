#pragma once
// A strict reader of the Prometheus text exposition format 0.0.4, for tests that scrape
// /metrics: it refuses what a Prometheus server would refuse and checks what it relies on.
//   - every sample belongs to a family announced by `# HELP` and `# TYPE` lines before it;
//   - names and label names are well formed, label values use only \\, \" and \n escapes;
//   - a histogram's buckets are cumulative (never decreasing), end with le="+Inf", and that
//     bucket equals its _count; _sum is present.

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace kms::metrics::testing {

struct Sample {
  std::string name;  // as written, e.g. "x_bucket"
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family name -> counter|gauge|histogram|...
  std::map<std::string, std::string> help;   // family name -> help text (unescaped)
  std::vector<Sample> samples;

  // The value of the sample `name` whose labels include every pair of `labels`; summed when
  // several match (e.g. all codes of one action). Null when none matches.
  const Sample* Find(const std::string& name,
                     const std::map<std::string, std::string>& labels = {}) const;
  double Sum(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
};

// kInvalidArgument naming the line (1-based) and what is wrong.
StatusOr<Exposition> ParseExposition(const std::string& text);

}  // namespace kms::metrics::testing
