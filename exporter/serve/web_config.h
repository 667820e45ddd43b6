#ifndef ARGUS_WEB_CONFIG_H_
#define ARGUS_WEB_CONFIG_H_

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "exporter/base/status.h"

namespace argus {

// The web configuration file (--web.config.file), in the format of the
// Prometheus exporter toolkit. Argus takes `basic_auth_users` (user name to
// bcrypt hash, as `htpasswd -nBC 10 USER` writes them). `tls_server_config`
// is refused: Debian's CivetWeb cannot load OpenSSL 3, so TLS is terminated
// in front of Argus (docs/deployment.md).
struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;
};

// Parses the YAML text; refuses unknown keys, hashes that are not bcrypt,
// and TLS, with one message naming the key and line.
Status ParseWebConfig(const std::string& yaml_text, WebConfig* config);
// Reads and parses the file; the message names it.
Status LoadWebConfig(const std::string& path, WebConfig* config);

// Checks HTTP Basic credentials against the users of a WebConfig. The
// password is verified by the system's crypt library (libxcrypt's bcrypt),
// and the result compared in constant time. An unknown user costs one
// bcrypt verification like a known one, so timing does not tell users
// apart. Credentials once verified are remembered (bcrypt costs tens of
// milliseconds on purpose; a scrape every few seconds should not).
// Thread-safe.
class BasicAuth {
 public:
  explicit BasicAuth(WebConfig config);

  // Whether any user is configured (with none, every request is let in).
  bool enabled() const { return !users_.empty(); }
  // Whether the value of an Authorization header names a user and password
  // that match. Any malformed header is simply refused.
  bool Allows(std::string_view authorization) const;

 private:
  bool Verify(const std::string& user, const std::string& password) const;

  const std::map<std::string, std::string> users_;
  mutable std::mutex mu_;
  // SHA-256 of user '\0' password, for credentials verified; bounded.
  mutable std::set<std::string> verified_;
};

}  // namespace argus

#endif  // ARGUS_WEB_CONFIG_H_
