#ifndef ARGUS_BASE_COMPACT_STRING_H_
#define ARGUS_BASE_COMPACT_STRING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace argus {

// A string in 16 bytes (half a std::string): up to 15 bytes kept inline,
// longer ones (up to 4 GiB) on the heap. For the item keys of the hundreds
// of thousands of reviews the window state keeps, which are short.
class CompactString {
 public:
  CompactString() noexcept { Clear(); }
  explicit CompactString(std::string_view s) { Assign(s); }
  CompactString(const CompactString& o) { Assign(o.view()); }
  CompactString(CompactString&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, sizeof bytes_);
    o.Clear();
  }
  CompactString& operator=(const CompactString& o) {
    if (this != &o) {
      const std::string copy(o.view());
      Release();
      Assign(copy);
    }
    return *this;
  }
  CompactString& operator=(CompactString&& o) noexcept {
    if (this != &o) {
      Release();
      std::memcpy(bytes_, o.bytes_, sizeof bytes_);
      o.Clear();
    }
    return *this;
  }
  CompactString& operator=(std::string_view s) {
    const std::string copy(s);  // `s` may point into this string
    Release();
    Assign(copy);
    return *this;
  }
  ~CompactString() { Release(); }

  std::string_view view() const {
    if (bytes_[15] != kLarge) return std::string_view(reinterpret_cast<const char*>(bytes_), bytes_[15]);
    const char* data;
    uint32_t size;
    std::memcpy(&data, bytes_, sizeof data);
    std::memcpy(&size, bytes_ + sizeof data, sizeof size);
    return std::string_view(data, size);
  }
  std::string str() const { return std::string(view()); }
  void clear() { Release(); }
  bool operator==(std::string_view s) const { return view() == s; }

 private:
  // bytes_[15] is the length (0 to 15) of an inline string, or kLarge: then
  // bytes_ hold the heap pointer and the 32-bit length.
  static constexpr unsigned char kLarge = 0xFF;
  void Clear() {
    bytes_[0] = 0;
    bytes_[15] = 0;
  }
  void Release() {
    if (bytes_[15] == kLarge) {
      char* data;
      std::memcpy(&data, bytes_, sizeof data);
      delete[] data;
    }
    Clear();
  }
  // Into a cleared string.
  void Assign(std::string_view s) {
    if (s.size() <= 15) {
      std::memcpy(bytes_, s.data(), s.size());
      bytes_[15] = static_cast<unsigned char>(s.size());
      return;
    }
    char* data = new char[s.size()];
    std::memcpy(data, s.data(), s.size());
    const uint32_t size = static_cast<uint32_t>(s.size());
    std::memcpy(bytes_, &data, sizeof data);
    std::memcpy(bytes_ + sizeof data, &size, sizeof size);
    bytes_[15] = kLarge;
  }
  alignas(8) unsigned char bytes_[16];
};

static_assert(sizeof(CompactString) == 16);

}  // namespace argus

#endif  // ARGUS_BASE_COMPACT_STRING_H_
