// Reply envelopes: errors carry an object result, and a store outage tells the client nothing
// about the deployment.

#include "api/reply.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace kms::api {
namespace {

TEST(Reply, ErrorEnvelopesCarryAnEmptyResultObject) {
  for (const Reply& r : {Reply::BadRequest("Invalid JSON"), Reply::ServerError("x"),
                         FromStatus(Status::InvalidArgument("bad")),
                         FromStatus(Status::Internal("boom"))}) {
    auto v = boost::json::parse(Serialize(r));
    ASSERT_TRUE(v.as_object().at("result").is_object()) << Serialize(r);
    EXPECT_TRUE(v.as_object().at("result").as_object().empty()) << Serialize(r);
  }
}

TEST(Reply, StoreOutageHidesItsCause) {
  Reply r = FromStatus(
      Status::Unavailable("couchdb at http://10.0.0.7:5984 unreachable: Connection refused"));
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.message, "Service unavailable, please retry later.");
  Reply u = UnavailableOr(Status::Unavailable("couchdb at http://h:1 unreachable: x"),
                          Reply::BadRequest("listKey failed"));
  EXPECT_EQ(u.message, "Service unavailable, please retry later.");
}

}  // namespace
}  // namespace kms::api
