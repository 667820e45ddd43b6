#include "exporter/base/compact_string.h"

#include <gtest/gtest.h>

#include <utility>

namespace argus {
namespace {

TEST(CompactString, KeepsShortAndLongStringsWhole) {
  const std::string longer(300, 'x');
  for (const std::string& text : {std::string(), std::string("item-42"), std::string(15, 'a'),
                                  std::string(16, 'b'), longer, std::string("a\0b", 3)}) {
    CompactString s(text);
    EXPECT_EQ(s.view(), text);
    CompactString copy = s;
    EXPECT_EQ(copy.view(), text);
    CompactString moved = std::move(copy);
    EXPECT_EQ(moved.view(), text);
    EXPECT_EQ(copy.view(), "");  // NOLINT: a moved-from string is empty
    CompactString assigned("something else entirely, and long enough for the heap");
    assigned = moved;
    EXPECT_EQ(assigned.view(), text);
    assigned = std::move(moved);
    EXPECT_EQ(assigned.view(), text);
    assigned = assigned.view();  // from its own bytes
    EXPECT_EQ(assigned.view(), text);
    assigned.clear();
    EXPECT_EQ(assigned.view(), "");
  }
}

}  // namespace
}  // namespace argus
