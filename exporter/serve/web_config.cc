#include "exporter/serve/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <memory>
#include <vector>

#include "exporter/engine/config.h"

namespace argus {
namespace {

constexpr size_t kMaxCredentialBytes = 1024;
constexpr size_t kRememberedCredentials = 64;

std::string Where(const YAML::Node& node, const std::string& key) {
  std::string where = key;
  if (node.Mark().line >= 0) where += " (line " + std::to_string(node.Mark().line + 1) + ")";
  return where;
}

// crypt(3) through libxcrypt, with the state on the heap (it is 32 KiB).
// Returns "" when the setting is not a hash crypt can verify against.
std::string Crypt(const std::string& password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), setting.c_str(), data.get());
  if (!out || out[0] == '*') return "";
  return out;
}

// bcrypt's cost: 2^cost rounds per verification. htpasswd makes 5 by
// default and 10 as the exporter toolkit advises (about 60 ms here); every
// step doubles the time, so a cost above kMaxBcryptCost would let one
// request (or the check below) take minutes.
constexpr int kMaxBcryptCost = 14;

// Empty when `hash` is a bcrypt hash Argus verifies; else why not.
std::string BcryptProblem(const std::string& hash) {
  bool prefix = false;
  for (const char* p : {"$2y$", "$2b$", "$2a$"}) prefix = prefix || hash.rfind(p, 0) == 0;
  if (!prefix || hash.size() < 7 || !std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])) || hash[6] != '$') {
    return "not a bcrypt hash";
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > kMaxBcryptCost) {
    return "bcrypt cost " + std::to_string(cost) + " is outside 4 to " +
           std::to_string(kMaxBcryptCost) + " (10 is usual; each step doubles every login's time)";
  }
  if (Crypt("", hash).size() != hash.size()) return "not a bcrypt hash";
  return "";
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  // The lengths of bcrypt hashes are all the same; only the bytes are secret.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Standard base64 (RFC 4648, with padding) through OpenSSL.
bool Base64Decode(std::string_view in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4 * kMaxCredentialBytes) return false;
  std::vector<unsigned char> buffer(in.size() / 4 * 3 + 1);
  const int n = EVP_DecodeBlock(buffer.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t padding = 0;
  while (padding < 2 && in[in.size() - 1 - padding] == '=') ++padding;
  out->assign(reinterpret_cast<const char*>(buffer.data()), static_cast<size_t>(n) - padding);
  return true;
}

std::string Digest(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(text.data(), text.size(), md, &size, EVP_sha256(), nullptr)) return "";
  return std::string(reinterpret_cast<const char*>(md), size);
}

}  // namespace

Status ParseWebConfig(const std::string& yaml_text, WebConfig* config) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) return Status::Ok();
    if (!root.IsMap()) return Status::Error("web config: must be a map of settings");
    if (std::string d = DuplicateKey(root); !d.empty()) return Status::Error("web config: " + d);
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (key == "tls_server_config") {
        return Status::Error(
            "web config: " + Where(entry.first, key) +
            ": TLS is not served by Argus itself (Debian's CivetWeb cannot load OpenSSL 3); "
            "terminate TLS in front of it, with nginx for example: see docs/deployment.md");
      }
      if (key != "basic_auth_users") {
        return Status::Error("web config: " + Where(entry.first, key) +
                             ": unknown key (Argus takes basic_auth_users)");
      }
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        return Status::Error("web config: " + Where(value, key) +
                             ": must be a map of user name to bcrypt hash");
      }
      for (const auto& user : value) {
        const std::string name = user.first.Scalar();
        const std::string where = Where(user.first, key + "." + name);
        if (!user.second.IsScalar()) {
          return Status::Error("web config: " + where + ": must be a bcrypt hash");
        }
        if (name.empty() || name.find(':') != std::string::npos) {
          return Status::Error("web config: " + where + ": a user name cannot be empty or hold ':'");
        }
        const std::string hash = user.second.Scalar();
        if (const std::string problem = BcryptProblem(hash); !problem.empty()) {
          return Status::Error("web config: " + where + ": " + problem +
                               " (make one with htpasswd -nBC 10 " + name + ")");
        }
        config->basic_auth_users[name] = hash;
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Error("web config: malformed YAML at line " + std::to_string(e.mark.line + 1) +
                         ": " + e.msg);
  }
  return Status::Ok();
}

Status LoadWebConfig(const std::string& path, WebConfig* config) {
  return LoadYamlFile(path, "web config",
                      [&](const std::string& text) { return ParseWebConfig(text, config); });
}

BasicAuth::BasicAuth(WebConfig config) : users_(std::move(config.basic_auth_users)) {}

bool BasicAuth::Allows(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Basic ";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size() - 1; ++i) {  // the scheme is case-insensitive
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  if (authorization[kScheme.size() - 1] != ' ') return false;
  std::string credentials;
  if (!Base64Decode(authorization.substr(kScheme.size()), &credentials)) return false;
  const size_t colon = credentials.find(':');
  if (colon == std::string::npos) return false;
  return Verify(credentials.substr(0, colon), credentials.substr(colon + 1));
}

bool BasicAuth::Verify(const std::string& user, const std::string& password) const {
  if (users_.empty() || password.find('\0') != std::string::npos) return false;
  // Remembered as a SHA-256 digest, never as the password: looking one up
  // tells an attacker nothing about the password's bytes.
  const std::string key = Digest(user + '\0' + password);
  {
    std::lock_guard lock(mu_);
    if (verified_.count(key)) return true;
  }
  auto it = users_.find(user);
  // An unknown user is checked against a known user's hash all the same, so
  // that both take one bcrypt's time; it can never match (found is false).
  const bool found = it != users_.end();
  const std::string& hash = found ? it->second : users_.begin()->second;
  const bool match = ConstantTimeEqual(Crypt(password, hash), hash) && found;
  if (match && !key.empty()) {
    std::lock_guard lock(mu_);
    if (verified_.size() >= kRememberedCredentials) verified_.clear();
    verified_.insert(std::move(key));
  }
  return match;
}

}  // namespace argus
