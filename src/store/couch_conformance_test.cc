// The backend-neutral Store conformance suite, run against CouchDB.

#include "store/couch_test_env.h"
#include "store/store_conformance_test.h"

namespace kms::store {

INSTANTIATE_TEST_SUITE_P(
    Couch, StoreConformanceTest,
    ::testing::Values(StoreBackend{
        "couchdb",
        [] { return std::unique_ptr<Store>(testing::NewTestCouchStore()); },
        /*skip_when_unavailable=*/!testing::CouchRequired()}),
    StoreBackendName);

}  // namespace kms::store
