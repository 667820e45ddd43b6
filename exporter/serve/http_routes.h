#ifndef ARGUS_HTTP_ROUTES_H_
#define ARGUS_HTTP_ROUTES_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter/base/format.h"
#include "exporter/base/status.h"

namespace argus {

class Exporter;
class Pipelines;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // A body shared with the published cycle instead of copied (/metrics);
  // when set, it is sent instead of `body`.
  std::shared_ptr<const std::string> shared_body;
  // The same body gzip-compressed, sent instead to a client whose
  // Accept-Encoding takes gzip (/metrics: Prometheus always asks).
  std::function<std::shared_ptr<const std::string>()> gzip_body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Close the connection after this response (framing that could not be
  // trusted).
  bool close = false;

  // The body sent: the shared one when set.
  const std::string& Body() const { return shared_body ? *shared_body : body; }
};

// Re-reads the configuration (POST /-/reload); empty when the lifecycle
// API is not enabled (--web.enable-lifecycle).
using ReloadFn = std::function<Status()>;

// Where Argus is served and how it is reached (--web.route-prefix,
// --web.external-url, as Prometheus has them): the endpoints answer under
// `route_prefix` (the server strips it before Route), and every link on a
// page starts with `base`, the path of the external URL, so that pages
// work behind a reverse proxy that serves Argus under a sub-path.
struct WebPaths {
  std::string route_prefix;  // "" or "/argus" (no trailing slash)
  std::string base = "/";    // always ends in '/'
};

// What every endpoint answers, independent of the HTTP transport: `method`,
// the raw (still percent-encoded) `path` and `query` in, a response out.
// Never throws; bad input gets a 4xx with a JSON {"error": ...} body.
HttpResponse Route(Exporter& exporter, std::string_view method, std::string_view path,
                   std::string_view query, const ReloadFn& reload = {},
                   const WebPaths& paths = {});

// The same for every pipeline of `pipelines` (config `pipelines:`). With one
// pipeline, exactly Route over its exporter. With several: /metrics holds
// them all (each series labelled with its pipeline); /pipelines/NAME/...
// is every endpoint and page of one pipeline; the legacy endpoints take
// ?pipeline=NAME; without one, /api/alerts and /check answer for every
// pipeline (each alert naming its own), / lists the pipelines, and a
// failure report asks which pipeline.
HttpResponse Route(Pipelines& pipelines, std::string_view method, std::string_view path,
                   std::string_view query, const ReloadFn& reload = {},
                   const WebPaths& paths = {});

// The page listing the pipelines, each with its status and alerts.
std::string PipelinesPage(const Pipelines& pipelines, const WebPaths& paths);

// A JSON error response.
HttpResponse ErrorResponse(int status, const std::string& message);

// Limits on what a client may send.
constexpr size_t kMaxNameBytes = 256;    // agent and domain names
constexpr size_t kMaxQueryParams = 16;

// The HTML pages (docs/api.md): the status page at /, and the failure
// report of one agent for a person at /agents/{agent}. Inline SVG charts,
// no script, nothing fetched from elsewhere; every string is escaped.
// The status page is drawn from what the cycle published (a view never
// reads the database).
// The status page of the last cycle, and the same page gzip-compressed
// (made at the first view that takes gzip; none before the first cycle).
struct StatusPageBodies {
  std::shared_ptr<const std::string> page;
  std::function<std::shared_ptr<const std::string>()> gzip;
};
StatusPageBodies RenderStatusPage(const Exporter& exporter, const WebPaths& paths = {});
HttpResponse AgentPage(Exporter& exporter, const std::string& agent, int hours,
                       const WebPaths& paths);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

// Percent-decodes a URL component (no '+' to space), through CivetWeb.
// Returns false when the encoding is malformed.
bool UrlDecode(std::string_view in, bool form, std::string* out);


}  // namespace argus

#endif  // ARGUS_HTTP_ROUTES_H_
