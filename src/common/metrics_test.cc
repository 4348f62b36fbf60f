#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/testing/exposition_parser.h"

namespace kms::metrics {
namespace {

using testing::ParseExposition;

TEST(Metrics, CountersSumOverThreads) {
  Registry r;
  Counter& c = r.AddCounter("x_total", "things");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 1000; ++i) c.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 8000u);
  auto e = ParseExposition(r.Render());
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->types.at("x_total"), "counter");
  EXPECT_EQ(e->Sum("x_total"), 8000);
}

TEST(Metrics, GaugeUpOnOneThreadDownOnAnother) {
  Registry r;
  Gauge& g = r.AddGauge("in_flight", "now");
  g.Add(3);
  std::thread([&g] { g.Add(-2); }).join();
  EXPECT_EQ(g.Value(), 1);
}

TEST(Metrics, HistogramIsCumulativeWithInfEqualToCount) {
  Registry r;
  Histogram& h = r.AddHistogram("lat_seconds", "latency", {{"action", "Encrypt"}}, {0.001, 0.01});
  h.ObserveNanos(500'000);      // 0.5 ms
  h.ObserveNanos(1'000'000);    // exactly on the bound: le is inclusive
  h.ObserveNanos(5'000'000);    // 5 ms
  h.ObserveNanos(50'000'000);   // above every bound
  const std::string text = r.Render();
  auto e = ParseExposition(text);
  ASSERT_TRUE(e.ok()) << e.status().message() << "\n" << text;
  EXPECT_EQ(e->types.at("lat_seconds"), "histogram");
  EXPECT_EQ(e->Find("lat_seconds_bucket", {{"le", "0.001"}})->value, 2);
  EXPECT_EQ(e->Find("lat_seconds_bucket", {{"le", "0.01"}})->value, 3);
  EXPECT_EQ(e->Find("lat_seconds_bucket", {{"le", "+Inf"}})->value, 4);
  EXPECT_EQ(e->Find("lat_seconds_count", {{"action", "Encrypt"}})->value, 4);
  EXPECT_DOUBLE_EQ(e->Find("lat_seconds_sum")->value, 0.0565);
}

TEST(Metrics, LabelValuesAreEscapedAndReadBack) {
  Registry r;
  const std::string nasty = "a\"b\\c\nd";
  r.AddCounter("odd_total", "help with \\ and\nnewline", {{"v", nasty}}).Inc(2);
  const std::string text = r.Render();
  EXPECT_NE(text.find(R"(odd_total{v="a\"b\\c\nd"} 2)"), std::string::npos) << text;
  auto e = ParseExposition(text);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Find("odd_total")->labels.at("v"), nasty);
  EXPECT_EQ(e->help.at("odd_total"), "help with \\ and\nnewline");
}

TEST(Metrics, CallbacksAndInfoAreReadAtScrapeTime) {
  Registry r;
  double depth = 1;
  Labels info;
  r.AddCallback("depth", "gauge", "queue", {}, [&] { return depth; });
  r.AddInfo("thing_info", "which thing", [&] { return info; });
  auto e = ParseExposition(r.Render());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Find("depth")->value, 1);
  EXPECT_EQ(e->Find("thing_info"), nullptr);  // no labels yet: no line
  depth = 7;
  info = {{"id", "ab12"}};
  e = ParseExposition(r.Render());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Find("depth")->value, 7);
  EXPECT_EQ(e->Find("thing_info", {{"id", "ab12"}})->value, 1);
}

TEST(Metrics, SeriesOfOneNameShareOneHelpAndType) {
  Registry r;
  r.AddCounter("req_total", "requests", {{"code", "200"}}).Inc();
  r.AddCounter("req_total", "requests", {{"code", "400"}}).Inc(3);
  const std::string text = r.Render();
  EXPECT_EQ(text.find("# TYPE req_total"), text.rfind("# TYPE req_total")) << text;
  auto e = ParseExposition(text);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Sum("req_total"), 4);
}

// The parser must refuse what Prometheus refuses, or the tests above prove nothing.
TEST(ExpositionParser, RefusesBrokenText) {
  const char* bad[] = {
      "x 1\n",                                                        // no HELP/TYPE
      "# HELP x h\n# TYPE x counter\nx{a=\"b} 1\n",                   // unterminated
      "# HELP x h\n# TYPE x counter\nx{a=\"\\q\"} 1\n",               // bad escape
      "# HELP x h\n# TYPE x counter\nx one\n",                        // bad value
      "# HELP x h\n# TYPE x counter\nx 1",                            // no final newline
      "# HELP x h\n# TYPE x counter\nx 1\nx 2\n",                     // duplicate
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n",                                         // not cumulative
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
      "h_sum 1\nh_count 3\n",                                         // +Inf != count
      "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
  };
  for (const char* text : bad) EXPECT_FALSE(ParseExposition(text).ok()) << text;
}

}  // namespace
}  // namespace kms::metrics
