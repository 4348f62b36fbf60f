#include "common/testing/exposition_parser.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string_view>

namespace kms::metrics::testing {
namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}
bool ValidName(std::string_view s, bool label) {
  if (s.empty() || !IsNameStart(s[0]) || (label && s[0] == ':')) return false;
  for (char c : s) {
    if (!IsNameChar(c) || (label && c == ':')) return false;
  }
  return true;
}

std::optional<double> ParseValue(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (s == "NaN") return std::nan("");
  if (s.empty()) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

// The family a sample name belongs to: histograms add _bucket, _sum and _count.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

Status Bad(int line, const std::string& what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

// Parses `{a="x",b="y"}` at the front of `s`, consuming it.
Status ParseLabels(std::string_view& s, std::map<std::string, std::string>& out, int line) {
  s.remove_prefix(1);  // '{'
  while (true) {
    if (!s.empty() && s[0] == '}') {
      s.remove_prefix(1);
      return Status::Ok();
    }
    size_t eq = s.find('=');
    if (eq == std::string_view::npos) return Bad(line, "label without '='");
    std::string name(s.substr(0, eq));
    if (!ValidName(name, true)) return Bad(line, "bad label name '" + name + "'");
    s.remove_prefix(eq + 1);
    if (s.empty() || s[0] != '"') return Bad(line, "label value not quoted");
    s.remove_prefix(1);
    std::string value;
    while (true) {
      if (s.empty()) return Bad(line, "unterminated label value");
      char c = s[0];
      s.remove_prefix(1);
      if (c == '"') break;
      if (c == '\n') return Bad(line, "raw newline in label value");
      if (c == '\\') {
        if (s.empty()) return Bad(line, "dangling backslash");
        char e = s[0];
        s.remove_prefix(1);
        if (e == '\\') {
          value.push_back('\\');
        } else if (e == '"') {
          value.push_back('"');
        } else if (e == 'n') {
          value.push_back('\n');
        } else {
          return Bad(line, std::string("bad escape \\") + e);
        }
        continue;
      }
      value.push_back(c);
    }
    if (!out.emplace(name, value).second) return Bad(line, "label '" + name + "' repeated");
    if (!s.empty() && s[0] == ',') s.remove_prefix(1);
  }
}

// Histogram checks over all samples of one family, grouped by labels other than le.
Status CheckHistogram(const Exposition& e, const std::string& family) {
  std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
  std::map<std::map<std::string, std::string>, double> counts;
  std::set<std::map<std::string, std::string>> sums;
  for (const Sample& s : e.samples) {
    if (s.name == family + "_bucket") {
      auto labels = s.labels;
      auto le = labels.find("le");
      if (le == labels.end()) return Status::InvalidArgument(family + ": bucket without le");
      auto bound = ParseValue(le->second);
      if (!bound) return Status::InvalidArgument(family + ": bad le " + le->second);
      labels.erase(le);
      buckets[labels].push_back({*bound, s.value});
    } else if (s.name == family + "_count") {
      counts[s.labels] = s.value;
    } else if (s.name == family + "_sum") {
      sums.insert(s.labels);
    }
  }
  for (const auto& [labels, list] : buckets) {
    for (size_t i = 1; i < list.size(); ++i) {
      if (!(list[i].first > list[i - 1].first)) {
        return Status::InvalidArgument(family + ": le not increasing");
      }
      if (list[i].second < list[i - 1].second) {
        return Status::InvalidArgument(family + ": buckets not cumulative");
      }
    }
    if (list.empty() || !std::isinf(list.back().first)) {
      return Status::InvalidArgument(family + ": no le=\"+Inf\" bucket");
    }
    auto count = counts.find(labels);
    if (count == counts.end()) return Status::InvalidArgument(family + ": no _count");
    if (count->second != list.back().second) {
      return Status::InvalidArgument(family + ": +Inf bucket differs from _count");
    }
    if (!sums.contains(labels)) return Status::InvalidArgument(family + ": no _sum");
  }
  return Status::Ok();
}

}  // namespace

namespace {
bool Matches(const Sample& s, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  if (s.name != name) return false;
  for (const auto& [k, v] : labels) {
    auto it = s.labels.find(k);
    if (it == s.labels.end() || it->second != v) return false;
  }
  return true;
}
}  // namespace

const Sample* Exposition::Find(const std::string& name,
                               const std::map<std::string, std::string>& labels) const {
  for (const Sample& s : samples) {
    if (Matches(s, name, labels)) return &s;
  }
  return nullptr;
}

double Exposition::Sum(const std::string& name,
                       const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const Sample& s : samples) {
    if (Matches(s, name, labels)) sum += s.value;
  }
  return sum;
}

StatusOr<Exposition> ParseExposition(const std::string& text) {
  Exposition e;
  if (!text.empty() && text.back() != '\n') return Bad(0, "text does not end with a newline");
  std::set<std::string> seen_samples;
  std::string_view rest = text;
  int line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      bool help = line.starts_with("# HELP ");
      bool type = line.starts_with("# TYPE ");
      if (!help && !type) continue;  // a comment
      std::string_view body = line.substr(7);
      size_t sp = body.find(' ');
      std::string name(body.substr(0, sp));
      if (!ValidName(name, false)) return Bad(line_no, "bad metric name '" + name + "'");
      std::string arg(sp == std::string_view::npos ? "" : body.substr(sp + 1));
      if (type) {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.contains(arg)) return Bad(line_no, "bad type '" + arg + "'");
        if (e.types.contains(name)) return Bad(line_no, "second TYPE for " + name);
        e.types[name] = arg;
      } else {
        if (e.help.contains(name)) return Bad(line_no, "second HELP for " + name);
        std::string unescaped;
        for (size_t i = 0; i < arg.size(); ++i) {
          if (arg[i] == '\\' && i + 1 < arg.size()) {
            ++i;
            if (arg[i] == 'n') {
              unescaped.push_back('\n');
            } else if (arg[i] == '\\') {
              unescaped.push_back('\\');
            } else {
              return Bad(line_no, "bad escape in HELP");
            }
          } else {
            unescaped.push_back(arg[i]);
          }
        }
        e.help[name] = unescaped;
      }
      continue;
    }
    Sample s;
    size_t end = 0;
    while (end < line.size() && line[end] != '{' && line[end] != ' ') ++end;
    s.name = std::string(line.substr(0, end));
    if (!ValidName(s.name, false)) return Bad(line_no, "bad sample name '" + s.name + "'");
    std::string_view tail = line.substr(end);
    if (!tail.empty() && tail[0] == '{') KMS_RETURN_IF_ERROR(ParseLabels(tail, s.labels, line_no));
    if (tail.empty() || tail[0] != ' ') return Bad(line_no, "no value");
    tail.remove_prefix(1);
    size_t sp = tail.find(' ');  // an optional timestamp follows
    auto value = ParseValue(tail.substr(0, sp));
    if (!value) return Bad(line_no, "bad value '" + std::string(tail) + "'");
    s.value = *value;
    const std::string family = FamilyOf(s.name, e.types);
    if (!e.types.contains(family) || !e.help.contains(family)) {
      return Bad(line_no, s.name + " has no HELP and TYPE before it");
    }
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "\x01" + k + "=" + v;
    if (!seen_samples.insert(key).second) return Bad(line_no, "duplicate sample " + s.name);
    e.samples.push_back(std::move(s));
  }
  for (const auto& [name, type] : e.types) {
    if (type == "histogram") KMS_RETURN_IF_ERROR(CheckHistogram(e, name));
  }
  return e;
}

}  // namespace kms::metrics::testing
