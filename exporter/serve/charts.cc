#include "exporter/serve/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "exporter/serve/http_routes.h"

namespace argus {
namespace {

// A coordinate with one decimal: enough for a chart, short in the page.
std::string C(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::isfinite(v) ? v : 0.0);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string Open(int width, int height, const std::string& cls, const std::string& title) {
  // Inline in HTML: no namespace needed, and drawn at its own size.
  return "<svg class=\"" + cls + "\" role=\"img\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\"><title>" + HtmlEscape(title) + "</title>";
}

double Finite(double v) { return std::isfinite(v) ? v : 0; }

}  // namespace

std::string DataNumber(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string Human(double v, Unit unit) {
  char buf[48];
  switch (unit) {
    case Unit::kRatio: std::snprintf(buf, sizeof buf, "%.0f%%", Finite(v) * 100); break;
    case Unit::kUsd: std::snprintf(buf, sizeof buf, "$%.2f", Finite(v)); break;
    case Unit::kHours: std::snprintf(buf, sizeof buf, "%.1fh", Finite(v)); break;
    case Unit::kCount:
      if (std::fabs(v - std::round(v)) < 1e-9) {
        std::snprintf(buf, sizeof buf, "%.0f", Finite(v));
      } else {
        std::snprintf(buf, sizeof buf, "%.2f", Finite(v));
      }
      break;
  }
  return buf;
}

std::string BarChart(const std::vector<double>& values, int width, int height, int shade_last,
                     const std::vector<Guide>& guides, const std::string& title, int step_hours,
                     Unit unit) {
  const double top = 12, bottom = height - 14.0, plot = bottom - top;
  double max = 0;
  for (double v : values) max = std::max(max, Finite(v));
  const double tallest = max;
  if (max <= 0) max = 1;
  for (const Guide& g : guides) max = std::max(max, Finite(g.value));
  max *= 1.1;
  const double step = values.empty() ? 0 : double(width) / values.size();
  auto y = [&](double v) { return bottom - Finite(v) / max * plot; };
  std::string svg = Open(width, height, "chart-svg", title);
  if (shade_last > 0 && !values.empty()) {
    const double x = step * double(values.size() - std::min<size_t>(shade_last, values.size()));
    svg += "<rect class=\"window\" x=\"" + C(x) + "\" y=\"" + C(top) + "\" width=\"" +
           C(width - x) + "\" height=\"" + C(plot) + "\"/>";
  }
  // One path for all the bars, each a vertical stroke as wide as a bar: a
  // page with many charts stays small.
  svg += "<path class=\"bars\" stroke-width=\"" + C(step * 0.8) + "\" d=\"";
  for (size_t i = 0; i < values.size(); ++i) {
    if (Finite(values[i]) <= 0) continue;
    svg += "M" + C(step * (i + 0.5)) + " " + C(bottom) + "V" + C(y(values[i]));
  }
  svg += "\"/>";
  for (const Guide& g : guides) {
    svg += "<line class=\"" + std::string(g.threshold ? "threshold" : "baseline") + "\" x1=\"0\" x2=\"" +
           std::to_string(width) + "\" y1=\"" + C(y(g.value)) + "\" y2=\"" + C(y(g.value)) +
           "\"><title>" + HtmlEscape(g.label) + "</title></line>";
  }
  svg += "<line class=\"axis\" x1=\"0\" x2=\"" + std::to_string(width) + "\" y1=\"" + C(bottom) +
         "\" y2=\"" + C(bottom) + "\"/>";
  svg += "<text x=\"0\" y=\"9\">max " + HtmlEscape(Human(tallest, unit)) + "</text>";
  svg += "<text x=\"0\" y=\"" + std::to_string(height - 2) + "\">" +
         std::to_string(values.size() * step_hours) + "h ago</text><text x=\"" +
         std::to_string(width) + "\" y=\"" + std::to_string(height - 2) +
         "\" text-anchor=\"end\">now</text>";
  return svg + "</svg>";
}

std::string Sparkline(const std::vector<double>& values, int width, int height,
                      const std::string& title) {
  double max = 1;
  for (double v : values) max = std::max(max, Finite(v));
  const double step = values.size() > 1 ? double(width - 2) / (values.size() - 1) : 0;
  std::string svg = Open(width, height, "spark", title) + "<polyline points=\"";
  for (size_t i = 0; i < values.size(); ++i) {
    // Whole pixels up and down: a sparkline shows a shape, not a value.
    svg += (i ? " " : "") + C(1 + step * i) + "," +
           std::to_string(std::lround(height - 1 - Finite(values[i]) / max * (height - 2)));
  }
  return svg + "\"/></svg>";
}

std::string Bullet(double window, std::optional<double> baseline, std::optional<double> threshold,
                   Unit unit, const std::string& title, int width, int height, const std::string& cls) {
  double max = std::max({Finite(window), baseline ? Finite(*baseline) : 0.0,
                         threshold ? Finite(*threshold) : 0.0});
  if (unit == Unit::kRatio) max = std::max(max, 1.0);
  if (max <= 0) max = 1;
  max *= 1.05;
  auto x = [&](double v) { return std::clamp(Finite(v), 0.0, max) / max * width; };
  std::string svg = Open(width, height, cls, title);
  svg += "<rect class=\"track\" x=\"0\" y=\"4\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height - 8) + "\"/>";
  // The svg's title says what each part is; the parts carry none.
  svg += "<rect class=\"value\" x=\"0\" y=\"7\" width=\"" + C(x(window)) + "\" height=\"" +
         std::to_string(height - 14) + "\"/>";
  if (baseline) {
    svg += "<line class=\"baseline\" x1=\"" + C(x(*baseline)) + "\" x2=\"" + C(x(*baseline)) +
           "\" y1=\"2\" y2=\"" + std::to_string(height - 2) + "\"/>";
  }
  if (threshold) {
    svg += "<line class=\"threshold\" x1=\"" + C(x(*threshold)) + "\" x2=\"" + C(x(*threshold)) +
           "\" y1=\"0\" y2=\"" + std::to_string(height) + "\"/>";
  }
  return svg + "</svg>";
}

}  // namespace argus
