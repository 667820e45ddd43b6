// --web.config.file: the exporter-toolkit format's basic_auth_users, and the
// Basic credentials checked against them.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "exporter/serve/web_config.h"

namespace argus {
namespace {

// Made by `htpasswd -nbBC 4 alice s3cret` and `htpasswd -nbBC 10 bob hunter2`.
constexpr const char* kAliceHash = "$2y$04$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RMELnBQm";
constexpr const char* kBobHash = "$2y$10$YuJf/uI1PximKvkIM4PbJuAvEqdjQjfEIUS454i9VPr./vb9GWH72";

WebConfig Parse(const std::string& yaml, Status* status) {
  WebConfig config;
  *status = ParseWebConfig(yaml, &config);
  return config;
}

// Concatenates by appending (GCC 12 warns falsely about chains of operator+).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string Users() {
  return Cat({"basic_auth_users:\n  alice: ", kAliceHash, "\n  bob: '", kBobHash, "'\n"});
}

TEST(WebConfigTest, TakesTheExporterToolkitUsers) {
  Status s;
  WebConfig config = Parse(Users(), &s);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(config.basic_auth_users.size(), 2u);
  EXPECT_EQ(config.basic_auth_users["alice"], kAliceHash);
  EXPECT_EQ(config.basic_auth_users["bob"], kBobHash);
  EXPECT_TRUE(Parse("", &s).basic_auth_users.empty());
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(Parse("basic_auth_users:\n", &s).basic_auth_users.empty());
  EXPECT_TRUE(s.ok());
}

TEST(WebConfigTest, RefusesTlsWithAPointerToTheDeploymentGuide) {
  Status s;
  Parse(Cat({Users(), "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"}), &s);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tls_server_config (line 4)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("docs/deployment.md"), std::string::npos) << s.message();
}

TEST(WebConfigTest, RefusesWhatItCannotHonour) {
  const std::pair<std::string, std::string> cases[] = {
      {"basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice (line 2): not a bcrypt hash"},
      {"basic_auth_users:\n  alice: $1$abc$defghijklmnop\n", "not a bcrypt hash"},  // MD5-crypt
      {"basic_auth_users:\n  alice: $2y$10$short\n", "not a bcrypt hash"},
      // Found by fuzz_config: cost 24 took minutes to check, and would for
      // every request.
      {"basic_auth_users:\n  alice: $2y$24$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RCELnBQm\n",
       "bcrypt cost 24 is outside 4 to 14"},
      {"basic_auth_users:\n  alice: $2y$03$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RCELnBQm\n",
       "bcrypt cost 3 is outside"},
      {"basic_auth_users:\n  alice: $2y$1x$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RCELnBQm\n",
       "not a bcrypt hash"},
      {"basic_auth_users:\n  alice: [a, b]\n", "must be a bcrypt hash"},
      {"basic_auth_users: [alice]\n", "must be a map of user name to bcrypt hash"},
      {Cat({"basic_auth_users:\n  'a:b': ", kAliceHash, "\n"}), "cannot be empty or hold ':'"},
      {"http_server_config:\n  http2: true\n", "http_server_config (line 1): unknown key"},
      {"basic_auth_users:\n  alice: [\n", "malformed YAML at line"},
      {"- a\n- b\n", "must be a map"},
  };
  for (const auto& [yaml, expected] : cases) {
    Status s;
    WebConfig config = Parse(yaml, &s);
    EXPECT_FALSE(s.ok()) << yaml;
    EXPECT_NE(s.message().find(expected), std::string::npos) << yaml << " -> " << s.message();
  }
}

TEST(WebConfigTest, LoadNamesTheFile) {
  WebConfig config;
  Status s = LoadWebConfig("/nonexistent/web.yml", &config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/web.yml"), std::string::npos);
}

std::string Header(const std::string& credentials) {
  // Base64 of a few fixed credentials, computed with `printf %s ... | base64`.
  if (credentials == "alice:s3cret") return "Basic YWxpY2U6czNjcmV0";
  if (credentials == "alice:s3cre") return "Basic YWxpY2U6czNjcmU=";
  if (credentials == "alice:s3cret!") return "Basic YWxpY2U6czNjcmV0IQ==";
  if (credentials == "bob:hunter2") return "Basic Ym9iOmh1bnRlcjI=";
  if (credentials == "bob:s3cret") return "Basic Ym9iOnMzY3JldA==";
  if (credentials == "eve:s3cret") return "Basic ZXZlOnMzY3JldA==";
  if (credentials == "alices3cret") return "Basic YWxpY2VzM2NyZXQ=";
  ADD_FAILURE() << "no fixture for " << credentials;
  return "";
}

TEST(BasicAuthTest, LetsInOnlyTheRightPasswordOfAKnownUser) {
  Status s;
  BasicAuth auth(Parse(Users(), &s));
  ASSERT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.Allows(Header("alice:s3cret")));
  EXPECT_TRUE(auth.Allows(Header("alice:s3cret"))) << "remembered, and still right";
  EXPECT_TRUE(auth.Allows(Header("bob:hunter2")));
  EXPECT_FALSE(auth.Allows(Header("alice:s3cre")));
  EXPECT_FALSE(auth.Allows(Header("alice:s3cret!")));
  EXPECT_FALSE(auth.Allows(Header("bob:s3cret"))) << "another user's password";
  EXPECT_FALSE(auth.Allows(Header("eve:s3cret"))) << "unknown user";
  EXPECT_FALSE(auth.Allows(Header("alices3cret"))) << "no colon";
  // The scheme is case-insensitive (RFC 7617); nothing else is lenient.
  EXPECT_TRUE(auth.Allows("basic YWxpY2U6czNjcmV0"));
  for (const char* bad : {"", "Basic", "Basic ", "Bearer YWxpY2U6czNjcmV0", "BasicYWxpY2U6czNjcmV0",
                          "Basic YWxpY2U6czNjcmV0=", "Basic YWxpY2U6czNjcmV", "Basic ****",
                          "Basic YWxp Y2U6czNjcmV0", "Basic  YWxpY2U6czNjcmV0"}) {
    EXPECT_FALSE(auth.Allows(bad)) << bad;
  }
}

TEST(BasicAuthTest, WithoutUsersItIsDisabledAndLetsNobodyInByCredentials) {
  BasicAuth auth{WebConfig{}};
  EXPECT_FALSE(auth.enabled());
  EXPECT_FALSE(auth.Allows(Header("alice:s3cret")));
}

}  // namespace
}  // namespace argus

namespace argus {
namespace {

TEST(WebConfigTest, RefusesAUserGivenTwice) {
  Status s;
  Parse(Cat({"basic_auth_users:\n  alice: ", kAliceHash, "\n  alice: ", kBobHash, "\n"}), &s);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("key 'alice' appears twice, on lines 2 and 3"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace argus
