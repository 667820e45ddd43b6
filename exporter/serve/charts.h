#ifndef ARGUS_SERVE_CHARTS_H_
#define ARGUS_SERVE_CHARTS_H_

// Small charts as inline SVG, written here rather than by a charting
// library: the pages stay readable without JavaScript, nothing is fetched
// from elsewhere, and every text in a chart goes through HtmlEscape like
// the rest of the page.

#include <optional>
#include <string>
#include <vector>

#include "exporter/base/alert.h"

namespace argus {

// A number for a data attribute or a label: up to 6 significant digits,
// no exponent for ordinary magnitudes ("0.2222", "34.6071", "1200").
std::string DataNumber(double v);


// How a value reads to a person: "22%", "$7.84", "3.5".
using Unit = Evidence::Unit;
std::string Human(double v, Unit unit);

// A horizontal line drawn across a chart at `value`, with a legend entry.
struct Guide {
  double value;
  std::string label;
  bool threshold = false;  // red and dashed; otherwise the baseline (grey)
};

// Bars of `values` (oldest first), `shade_last` of them marked as the
// window being judged, with the guides across; `title` is read by screen
// readers and shown on hover.
// Each bar covers `step_hours`; the tallest bar's value is written at the
// top left.
std::string BarChart(const std::vector<double>& values, int width, int height, int shade_last,
                     const std::vector<Guide>& guides, const std::string& title, int step_hours = 1,
                     Unit unit = Unit::kCount);

// A line of `values` (oldest first), small, without axes: the trend of one
// agent.
std::string Sparkline(const std::vector<double>& values, int width, int height,
                      const std::string& title);

// One measured value against its baseline and threshold: a bar for the
// window, a grey tick for the baseline, a red line for the threshold.
std::string Bullet(double window, std::optional<double> baseline, std::optional<double> threshold,
                   Unit unit, const std::string& title, int width = 160, int height = 22,
                   const std::string& cls = "bullet");

}  // namespace argus

#endif  // ARGUS_SERVE_CHARTS_H_
