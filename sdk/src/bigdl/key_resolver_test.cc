#include "kms/bigdl/key_resolver.h"

#include <gtest/gtest.h>

#include "bigdl_test_util.h"

namespace kms::bigdl {
namespace {
using namespace testing;

struct Fixture {
  int calls = 0;
  int made = 0;
  KeyResolver Make(KeySources sources = {}) {
    return KeyResolver(std::move(sources), [this]() -> Result<std::unique_ptr<KeyHolder>> {
      ++made;
      return std::unique_ptr<KeyHolder>(new FakeKms(&calls));
    });
  }
};

std::string Last(const KeyResolver::Resolved& r) {
  return std::string(1, static_cast<char>(r.text->data()[r.text->size() - 1]));
}

TEST(BigdlKeyResolver, FirstMatchWinsAndEachEdkIsUnwrappedOnce) {
  Fixture f;
  KeySources s;
  s.data_key_file_edk = "edk-F";
  KeyResolver keys = f.Make(std::move(s));
  auto a = keys.Resolve("a", Format::kG3, "edk-A", std::string("edk-M"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Last(*a), "A");
  EXPECT_EQ(a->source, "header EDK");
  ASSERT_EQ(keys.warnings().size(), 1u);  // header and .meta differ
  auto m = keys.Resolve("b", Format::kG3, "", std::string("edk-M"));
  EXPECT_EQ(Last(*m), "M");
  EXPECT_EQ(m->source, ".meta EDK");
  auto d = keys.Resolve("c", Format::kG2, "", std::nullopt);
  EXPECT_EQ(Last(*d), "F");
  EXPECT_EQ(d->source, "--data-key-file");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(keys.Resolve("p", Format::kG3, "edk-A", {}).ok());
  EXPECT_EQ(f.calls, 3);
  EXPECT_EQ(keys.unwrap_calls(), 3u);
  EXPECT_EQ(f.made, 1);
}

TEST(BigdlKeyResolver, AGivenDataKeyNeedsNoHolder) {
  Fixture f;
  KeySources s;
  s.data_key_text = Text(kKeyText);
  KeyResolver keys = f.Make(std::move(s));
  auto r = keys.Resolve("a", Format::kG3, "edk-A", std::string("edk-A"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, "--data-key-plaintext");
  EXPECT_EQ(f.made, 0);
}

TEST(BigdlKeyResolver, MissingKeysAndFailuresNameTheFile) {
  Fixture f;
  KeyResolver keys = f.Make();
  auto none = keys.Resolve("dir/part-0.cbc", Format::kG3, "", std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(none.error().message().find("dir/part-0.cbc"), std::string::npos);
  EXPECT_NE(none.error().message().find("--data-key-file"), std::string::npos);
  auto refused = keys.Resolve("dir/part-1.cbc", Format::kG3, "bogus", std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::kServer);  // stays a KMS error (exit 1)
  EXPECT_EQ(refused.error().message().rfind("dir/part-1.cbc: ", 0), 0u);
}

TEST(BigdlKeyResolver, NativeWithAnEmptyMetaUsesTheLocalPrimaryKey) {
  Fixture f;
  KeySources s;
  s.local_primary_key = Text("AAECAwQFBgcICQoLDA0ODw==");
  KeyResolver keys = f.Make(std::move(s));
  auto r = keys.Resolve("n", Format::kNative, "", std::string(""));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(AsChars(r->text->view()), "AAECAwQFBgcICQoLDA0ODw==");
  EXPECT_FALSE(keys.Resolve("g", Format::kG3, "", std::string("")).ok());
}

TEST(BigdlKeyResolver, ShortKeyTextNeedsPermission) {
  Fixture f;
  KeySources s;
  s.data_key_text = Text("EBESExQVFhcYGRobHB0eHw==");
  KeyResolver strict = f.Make(std::move(s));
  EXPECT_EQ(strict.Resolve("a", Format::kG3, "", {}).error().kind(), ErrorKind::kInvalidArgument);
  KeySources s2;
  s2.data_key_text = Text("EBESExQVFhcYGRobHB0eHw==");
  s2.allow_short_key = true;
  KeyResolver lenient = f.Make(std::move(s2));
  EXPECT_TRUE(lenient.Resolve("a", Format::kG3, "", {}).ok());
  EXPECT_EQ(lenient.warnings().size(), 1u);
}

}  // namespace
}  // namespace kms::bigdl
